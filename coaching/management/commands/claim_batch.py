"""`manage.py claim_batch`: month-end billing from a script (issue 27,
point 7). Makes a batch of the ready lines of one programme (or, with
--all, one per billed programme, in one interchange), writes the 837P to
FILE, prints the batch ids and the lines left out with why. Run again on
the same days, it makes no second batch, says which batch holds the lines,
writes no file and exits 0. With --sent, the batches are marked sent too
(the file goes at once): the consents checked again and the disclosures
recorded then (42 CFR 2.25)."""

from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role, User
from coaching.selectors.billing import claim_programmes
from coaching.services.claim_sending import claim_batch_mark_sent
from coaching.services.claims import (
    NOTHING_READY,
    claim_batch_create,
    claim_interchange_file,
)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} takes a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Make a claim batch (X12 837P) of the ready lines of a programme (--programme NAME or "
        "id) or of every billed programme (--all) on the clients' days --from..--to, and "
        "write it to --out. Acts as --as EMAIL (default: the first active admin)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--programme", help="the programme's name (any case) or id")
        which.add_argument("--all", action="store_true", help="every billed programme")
        parser.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--out", required=True, type=Path, help="the 837P file to write")
        parser.add_argument("--as", dest="email", help="the billing user acting")
        parser.add_argument(
            "--sent", action="store_true", help="mark the batches sent (disclosures recorded)"
        )

    def handle(self, *args, programme, all, start, end, out, email, sent=False, **options):  # noqa: A002
        start, end = _day(start, "--from"), _day(end, "--to")
        actor = self._actor(email)
        programmes = self._all() if all else [self._programme(programme)]
        if not out.parent.is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist.")
        try:
            result = claim_batch_create(actor=actor, programmes=programmes, start=start, end=end)
        except PermissionDenied:
            raise CommandError(f"{actor.email} does not bill: use --as with an admin.") from None
        except ValidationError as error:
            message = " ".join(error.messages)
            if getattr(error, "code", None) == NOTHING_READY:
                self.stdout.write(f"No batch made, no file written. {message}")
                return
            raise CommandError(message) from None
        _, text = claim_interchange_file(actor=actor, batch_pk=result.batches[0].pk)
        out.write_text(text)
        for batch in result.batches:
            lines = sum(claim.lines.count() for claim in batch.claims.all())
            self.stdout.write(
                f"Claim batch {batch.pk}: {batch.programme.name}, {lines} line"
                f"{'s' if lines != 1 else ''}, {start} to {end}."
            )
        self.stdout.write(f"Wrote {out} (837P, interchange {result.interchange.control_number}).")
        if sent:
            done = claim_batch_mark_sent(actor=actor, batch_pk=result.batches[0].pk)
            for line in done.removed:  # a consent revoked meanwhile: the file changed
                self.stdout.write(line)
            if done.removed and done.show is None:
                out.unlink()
                self.stdout.write(f"Removed {out}: nobody is left on it; not marked sent.")
            elif done.removed:
                _, text = claim_interchange_file(actor=actor, batch_pk=done.show)
                out.write_text(text)
                self.stdout.write(f"Wrote {out} again; not marked sent.")
            else:
                marked = ", ".join(str(batch.pk) for batch in done.sent)
                self.stdout.write(f"Marked sent: claim batch {marked}; disclosures recorded.")
        if result.left_out:
            self.stdout.write(f"Left out ({len(result.left_out)}):")
        for item in result.left_out:
            self.stdout.write(
                f"  {item.service_date} {item.client.display_name} ({item.programme.name}, "
                f"session {item.session.pk}): {' '.join(item.reasons)}"
            )

    def _actor(self, email: str | None) -> User:
        if email:
            actor = User.objects.filter(email__iexact=email, is_active=True).first()
            if actor is None:
                raise CommandError(f"--as: no active user {email}.")
            return actor
        actor = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if actor is None:
            raise CommandError("No active admin to act as: give --as EMAIL.")
        return actor

    def _all(self) -> list:
        """Every billed programme with a payer and payer id; the others are
        named (their sessions cannot be claimed until an admin sets one)."""
        programmes = list(claim_programmes().select_related("payer"))
        with_payer = [p for p in programmes if getattr(p, "payer", None) and p.payer.payer_id]
        for programme in programmes:
            if programme not in with_payer:
                self.stdout.write(f"Skipped {programme.name}: no payer id set.")
        if not with_payer:
            raise CommandError("No billed programme has a payer id set.")
        return with_payer

    def _programme(self, code: str):
        programmes = claim_programmes()
        found = (
            programmes.filter(pk=int(code)).first()
            if code.isdigit()
            else programmes.filter(name__iexact=code.strip()).first()
        )
        if found is None:
            names = ", ".join(programmes.values_list("name", flat=True)) or "none"
            raise CommandError(f"--programme: no billed programme {code!r} (billed: {names}).")
        return found
