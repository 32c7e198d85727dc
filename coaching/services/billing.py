"""The CSV claim file (the review sheet): billable sessions of one programme
and date range, for the clients with a consent covering the programme's
payer, through the one export path (coaching/services/disclosures.py
export_split): 42 CFR 2.32(a) Statement 1 at the file's head and each
included client's consent scope (2.32(b)), the others left out and listed
apart (on the page, never in the file).

Downloading it keeps it (a ClaimSheet, its text encrypted) and records
nothing; it counts as disclosed when staff mark it sent
(`claim_sheet_mark_sent`, issue 28 point 7): each consent is checked again
at that moment, and a client no longer covered is taken off the sheet
(written again) and named, nothing marked."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record, audit_record_many
from accounts.models import Role, User
from coaching.models import ClaimSheet, ExportKind, SentBy
from coaching.notices import SCOPE_HEADING, SCOPE_LABELS, consent_scope, organisation_name
from coaching.selectors.billing import (
    CLAIM_HEADER,
    CLAIM_INFORMATION,
    claim_for_change,
    claim_rows,
    programme_payer,
)
from coaching.selectors.claim_sheets import claim_sheet_for_change
from coaching.selectors.disclosures import sent_moment
from coaching.services.claim_files import why_not_covered
from coaching.services.disclosures import disclosures_record, export_split
from common.dates import local_today
from common.downloads import csv_safe
from sessions_log.billing import claim_lines, client_day
from sessions_log.models import FundingProgramme


@dataclass(frozen=True)
class _Made:
    text: str
    service_dates: dict[str, list[str]]
    left_out: list[User]


def _sheet(*, actor: User, start: date, end: date, programme, payer, only=None) -> _Made:
    """The sheet's CSV for the programme's days, of the covered clients
    (`only`: of these client ids alone), with each one's first and last
    date of service. Checks consents (export_split, `service_dates=None`):
    records nothing. Refused when nothing bills or nobody is covered."""
    lines, _ = claim_lines(claim_for_change(actor, start=start, end=end, programme=programme))
    if only is not None:
        lines = [line for line in lines if line.session.client_id in only]
    if not lines:
        raise ValidationError(
            "No billable sessions in those days: a session bills once its note is signed "
            "(and co-signed) and it has a service code and this programme, a contact mode "
            "the programme pays for and at least one unit."
        )
    days: dict[int, list[date]] = defaultdict(list)
    for line in lines:
        days[line.session.client_id].append(client_day(line.session))
    split = export_split(
        actor=actor,
        client_ids=set(days),
        service_dates=None,
        recipient=payer.recipient,
        information=CLAIM_INFORMATION,
        export=ExportKind.CLAIM_FILE,
    )
    if not split.consents:
        raise ValidationError(
            f"None of these clients has an active consent to share their service record and "
            f"billing identifiers with {payer.recipient.name}: nothing was exported."
        )
    included = [line for line in lines if line.session.client_id in split.consents]
    left_out = {
        line.session.client_id: line.session.client
        for line in lines
        if line.session.client_id not in split.consents
    }
    disclosed_by = organisation_name()
    scopes = sorted(
        consent_scope(consent, disclosed_by=disclosed_by, on_day=end)
        for consent in split.consents.values()
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in [
        [split.notice],
        [split.notice_version],
        [],
        ["Claim for", payer.recipient.name],
        ["Disclosed by", disclosed_by],
        ["Programme", programme.name],
        ["Dates of service", f"{start.isoformat()} to {end.isoformat()}"],
        ["Prepared by", actor.display_name],
        ["Prepared on", timezone.localdate().isoformat()],
        [],
        [SCOPE_HEADING],
        list(SCOPE_LABELS),
        *scopes,
        [],
        CLAIM_HEADER,
        *claim_rows(included),
    ]:
        writer.writerow([csv_safe(value) for value in row])
    return _Made(
        text=buffer.getvalue(),
        service_dates={
            str(pk): [min(each).isoformat(), max(each).isoformat()]
            for pk, each in days.items()
            if pk in split.consents
        },
        left_out=sorted(left_out.values(), key=lambda client: client.display_name),
    )


def _payer(programme: FundingProgramme):
    if not programme.billed:
        raise ValidationError({"programme": f"{programme.name} is not billed."})
    payer = programme_payer(programme)
    if payer is None:
        raise ValidationError(
            {
                "programme": f"Nobody is set to pay for {programme.name}: an admin names its "
                "payer (Administration, Programme payers) first."
            }
        )
    return payer


@transaction.atomic
def claim_export(*, actor: User, start: date, end: date, programme: FundingProgramme) -> ClaimSheet:
    """The claim file, kept as a ClaimSheet (its text exactly as served, the
    clients on it with their dates of service). Records no disclosure: it
    counts as disclosed when marked sent (`claim_sheet_mark_sent`). Refused,
    nothing kept, for a programme that is not billed or has no payer, when
    there is nothing to bill, and when no client on it has a covering
    consent. Audited "claim_sheet.download" per client on it."""
    payer = _payer(programme)
    made = _sheet(actor=actor, start=start, end=end, programme=programme, payer=payer)
    sheet = ClaimSheet.objects.create(
        programme=programme,
        recipient=payer.recipient,
        first_day=start,
        last_day=end,
        file_text=made.text,
        service_dates=made.service_dates,
        created_by=actor,
    )
    _audit_clients(actor, "claim_sheet.download", sheet)
    return sheet


def _audit_clients(actor, action, sheet, client_ids=None):
    audit_record_many(
        actor=actor,
        action=action,
        objects=[
            (sheet, User(pk=pk, role=Role.CLIENT))
            for pk in (sheet.client_ids if client_ids is None else client_ids)
        ],
    )


@dataclass(frozen=True)
class SheetSent:
    """What marking a sheet sent did: `sent` (its disclosures recorded), or,
    when clients had to be taken off first, `removed` ("Name was removed:
    why; ...") and nothing marked: the sheet was written again without them
    and must be downloaded again."""

    sent: bool
    removed: list[str]


@transaction.atomic
def claim_sheet_mark_sent(*, actor: User, sheet_pk, sent_on, sent_by: str) -> SheetSent:
    """Staff sent the CSV claim file (on `sent_on`, by `sent_by`). Each
    client's consent is checked again now (export_split); a client no
    longer covered (revoked, ended since the download) is taken off: the
    sheet is made again without them (same programme and days), nothing is
    marked, and the answer names them. Otherwise a Disclosure per client is
    recorded (42 CFR 2.25; 45 CFR 164.528(b)(2): the day sent, the payer
    and its address, the kinds, the purpose, the first and last date of
    service on the sheet, how it went) and the sheet marked sent. Refused,
    nothing recorded: marked sent already, how not given, a day to come or
    before the download, nobody left on it."""
    sheet = claim_sheet_for_change(actor, sheet_pk)
    if sheet.sent_at is not None:
        raise ValidationError("This claim file was marked sent already.")
    if sent_by not in SentBy.values:
        raise ValidationError("Say how the file was sent.")
    made_on, today = timezone.localdate(sheet.created_at), timezone.localdate()
    if not isinstance(sent_on, date) or sent_on > today or sent_on < made_on:
        raise ValidationError(
            f"Give the day it was sent: from {made_on:%-d %b %Y} (the download) to today."
        )
    if not sheet.service_dates:
        raise ValidationError("Nobody is left on this claim file: there is nothing to send.")
    payer = _payer(sheet.programme)
    split = export_split(
        actor=actor,
        client_ids=sheet.client_ids,
        recipient=sheet.recipient,
        information=CLAIM_INFORMATION,
        export=ExportKind.CLAIM_FILE,
        service_dates=None,
    )
    if split.unconsented_ids:
        return _take_off(actor=actor, sheet=sheet, payer=payer, out=split.unconsented_ids)
    clients = {consent.client_id: consent.client for consent in split.consents.values()}
    first = clients[sheet.client_ids[0]]
    at = timezone.now() if sent_on == today else sent_moment(sent_on, first)
    disclosures_record(
        actor=actor,
        export=ExportKind.CLAIM_FILE,
        recipient=sheet.recipient,
        information=CLAIM_INFORMATION,
        consents=split.consents,
        service_dates={
            int(pk): (date.fromisoformat(low), date.fromisoformat(high))
            for pk, (low, high) in sheet.service_dates.items()
        },
        description=f"Claim file (CSV) {sheet.pk}, {sheet.programme.name}, "
        f"{sheet.first_day} to {sheet.last_day}",
        sent_by=sent_by,
        at=at,
    )
    sheet.sent_at, sheet.marked_sent_by, sheet.sent_by = at, actor, sent_by
    sheet.save(update_fields=["sent_at", "marked_sent_by", "sent_by"])
    audit_record(actor=actor, action="claim_sheet.sent", obj=sheet)
    return SheetSent(sent=True, removed=[])


def _take_off(*, actor, sheet: ClaimSheet, payer, out: list[int]) -> SheetSent:
    """The sheet made again without the clients in `out`, and why each went."""
    people = {person.pk: person for person in User.objects.filter(pk__in=out)}
    removed = [
        f"{people[pk].display_name} was removed: "
        f"{why_not_covered(people[pk], payer, local_today(people[pk]))}; "
        "download the file again before you send it."
        for pk in sorted(out, key=lambda pk: people[pk].display_name)
    ]
    keep = set(sheet.client_ids) - set(out)
    text, dates = "", {}
    if keep:
        try:
            made = _sheet(
                actor=actor,
                start=sheet.first_day,
                end=sheet.last_day,
                programme=sheet.programme,
                payer=payer,
                only=keep,
            )
            text, dates = made.text, made.service_dates
        except ValidationError:
            pass  # nobody left who bills and is covered
    sheet.file_text, sheet.service_dates = text, dates
    sheet.save(update_fields=["file_text", "service_dates"])
    _audit_clients(actor, "claim_sheet.remove", sheet, client_ids=sorted(out))
    return SheetSent(sent=False, removed=removed)
