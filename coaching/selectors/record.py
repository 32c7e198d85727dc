"""A client's whole record, for them to keep (HIPAA 45 CFR 164.524): every
session, signed note and addendum, plan version, check-in, consent,
disclosure, request about their record and "who viewed my record" row
about them, as plain values that the printable page and the JSON file
both show.

What it leaves out, and why: a session's private agenda and a draft note
are their coach's (coach_private_scope), supervisors' reviews of a note
too; of a private request to a supervisor, only the client's own words and
date (not who took it up); nothing of anyone else: a group session is the
client's own row, with no other member.

`client_record_for_viewing` is the one way in (the client themself; 404 for
anyone else) and the one place the download is audited ("record.download",
which their "Who viewed my record" lists). A fixed number of queries
whatever the size of the record.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.audit import audit_record
from accounts.models import User
from accounts.policy.record_requests import own_record_scope
from accounts.selectors.trail import record_views_for_viewing
from accounts.templatetags.audit_labels import role_word, sentence_for
from coaching.models import (
    AgreedGoal,
    AgreedStep,
    CheckIn,
    Consent,
    Disclosure,
    Goal,
    PlanVersion,
    RecordRequest,
    Step,
    SupervisorRequest,
)
from coaching.models.plans import area_label
from sessions_log.models import Addendum, Session

FORMAT = "record-of-a-client/1"


def _who(person: User | None) -> str:
    if person is None:
        return ""
    return f"{person.display_name} ({role_word(person)})"


def _sessions(client: User) -> list[dict]:
    sessions = (
        Session.objects.filter(client=client)
        .select_related("coach", "note", "note__author")
        .prefetch_related(
            Prefetch("note__addenda", queryset=Addendum.objects.select_related("author"))
        )
        .order_by("starts_at", "pk")
    )
    rows = []
    for session in sessions:
        note = getattr(session, "note", None)
        signed = note is not None and note.is_signed
        rows.append(
            {
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "status": session.get_status_display(),
                "modality": session.get_modality_display(),
                "coach": session.coach.display_name,
                "group_session": session.session_group_id is not None,
                "actual_start": session.actual_start,
                "minutes_spent": session.minutes_spent,
                "note": _note(note) if signed else None,
            }
        )
    return rows


def _note(note) -> dict:
    return {
        "signed_at": note.signed_at,
        "signed_by": note.author.display_name,
        "credential": note.signed_credential,
        "services": list(note.services),
        "goals": note.goals,
        "what_happened": note.narrative,
        "your_words": note.client_words,
        "next_steps": note.next_steps,
        "over_cap_reason": note.over_cap_reason,
        "addenda": [
            {
                "signed_at": addendum.signed_at,
                "by": addendum.author.display_name,
                "text": addendum.text,
                "corrected_start": addendum.corrected_start,
                "corrected_minutes": addendum.corrected_minutes,
            }
            for addendum in note.addenda.all()
        ],
    }


def _plan(client: User) -> dict:
    goals = (
        Goal.objects.filter(plan__client=client)
        .select_related("area")
        .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("created_at", "pk")))
    )
    versions = (
        PlanVersion.objects.filter(plan__client=client, agreed_at__isnull=False)
        .select_related("coach_signed_by")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=AgreedGoal.objects.prefetch_related(
                    Prefetch("steps", queryset=AgreedStep.objects.order_by("pk"))
                ),
            )
        )
        .order_by("number")
    )
    return {
        "now": [
            {
                "area": goal.area.label,
                "goal": goal.words,
                "why": goal.why,
                "steps": [
                    {
                        "step": step.action,
                        "who": step.get_who_display(),
                        "target_date": step.target_date,
                        "state": step.get_state_display(),
                        "how_it_went": step.how_it_went,
                    }
                    for step in goal.steps.all()
                ],
            }
            for goal in goals
        ],
        "agreed_versions": [
            {
                "number": version.number,
                "agreed_at": version.agreed_at,
                "you_confirmed_at": version.client_confirmed_at,
                "coach_signed_by": _who(version.coach_signed_by),
                "goals": [
                    {
                        "area": area_label(goal.area),
                        "goal": goal.words,
                        "why": goal.why,
                        "steps": [
                            {"step": step.action, "target_date": step.target_date}
                            for step in goal.steps.all()
                        ],
                    }
                    for goal in version.goals.all()
                ],
            }
            for version in versions
        ],
    }


def _checkins(client: User) -> list[dict]:
    return [
        {
            "at": checkin.created_at,
            "coach": checkin.coach.display_name,
            "answers": [
                {"statement": label, "answer": value} for label, value in checkin.answers()
            ],
            "score": checkin.score,
            "comment": checkin.comment,
        }
        for checkin in CheckIn.objects.filter(client=client).select_related("coach")
    ]


def _consents(client: User) -> list[dict]:
    return [
        {
            "recipient": consent.recipient_label,
            "for": consent.get_purpose_kind_display(),
            "purpose": consent.purpose,
            "information": consent.information_labels(),
            "information_from": consent.information_from,
            "information_to": consent.information_to,
            "ends_on": consent.ends_on,
            "ends_on_event": consent.ends_on_event,
            "prepared_at": consent.prepared_at,
            "signed_at": consent.signed_at,
            "signed_how": consent.get_signed_how_display(),
            "revoked_at": consent.revoked_at,
            # What was signed, word for word, with its version and hash.
            "signed_text": consent.signed_text,
            "signed_text_version": consent.signed_text_version,
            "signed_text_sha256": consent.signed_text_sha256,
        }
        for consent in Consent.objects.filter(client=client).select_related("recipient")
    ]


def _disclosures(client: User) -> list[dict]:
    labels = dict(Consent.Information.choices)
    return [
        {
            "at": disclosure.at,
            "recipient": disclosure.recipient_label,
            "recipient_address": disclosure.recipient_address,
            "information": [labels.get(kind, kind) for kind in disclosure.information],
            "dates_of_service_from": disclosure.service_from,
            "dates_of_service_to": disclosure.service_to,
            "purpose": disclosure.purpose,
            "under": disclosure.get_basis_display(),
            "sent_by": disclosure.get_sent_by_display(),
            "what": disclosure.description or disclosure.get_export_display(),
            "by": _who(disclosure.by),
        }
        for disclosure in Disclosure.objects.filter(client=client).select_related("recipient", "by")
    ]


def _viewed(client: User) -> list[dict]:
    rows = []
    for event in record_views_for_viewing(client):
        own = event.actor_id == client.pk
        who = gettext("You") if own else (_who(event.actor) or gettext("Someone"))
        rows.append(
            {"at": event.at, "what": sentence_for(event.action, own=own).replace("{who}", who)}
        )
    return rows


def _supervisor_requests(client: User) -> list[dict]:
    # Their own words and when: not who took it up, nor anything of theirs.
    return [
        {"at": request.created_at, "your_words": request.message}
        for request in SupervisorRequest.objects.filter(client=client).only(
            "created_at", "message", "client_id"
        )
    ]


def record_requests_of(client: User) -> list[dict]:
    requests = RecordRequest.objects.filter(client=client).select_related(
        "note__session", "addendum"
    )
    return [
        {
            "kind": request.get_kind_display(),
            "received_on": request.received_on,
            "due_on": request.due_on,
            "asked": request.asked,
            "about_session_of": request.note.session.starts_at if request.note else None,
            "decision": request.get_decision_display(),
            "decided_on": request.decided_on,
            "amendment": request.addendum.text if request.addendum else "",
            "denial_reason": request.denial_reason,
            "your_statement_of_disagreement": request.disagreement,
        }
        for request in requests.order_by("received_on", "pk")
    ]


def client_record(client: User) -> dict:
    """The record of `client`, as plain values (dates and times as Python
    objects): 13 queries, whatever its size."""
    return {
        "format": FORMAT,
        "made_at": timezone.now(),
        "client": {"name": client.display_name, "email": client.email},
        "sessions": _sessions(client),
        "plan": _plan(client),
        "checkins": _checkins(client),
        "consents": _consents(client),
        "disclosures": _disclosures(client),
        "requests_to_a_supervisor": _supervisor_requests(client),
        "requests_about_your_record": record_requests_of(client),
        "who_viewed_your_record": _viewed(client),
    }


def client_record_for_viewing(user: User, pk: int) -> dict:
    """The whole record of the client `pk`, for that client only (404 for
    anyone else, as for no one). Audited as "record.download" (here, and
    nowhere else) before it is read, so the download lists itself."""
    client = get_object_or_404(User.objects.filter(own_record_scope(user)), pk=pk)
    audit_record(actor=user, action="record.download", obj=client, client=client)
    return client_record(client)


def own_record_requests_for_viewing(user: User) -> list[dict]:
    """The requests a client made about their record, with what was decided:
    for "My record". Their own reading is not audited (it is their record)."""
    client = get_object_or_404(User.objects.filter(own_record_scope(user)), pk=user.pk)
    return record_requests_of(client)
