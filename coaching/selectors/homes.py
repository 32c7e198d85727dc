"""What the pages that show several apps' data put together: the coach's
home, the client's home and a client's page. Each piece comes from the
selectors of the app that owns it; the views hand the templates the result.
The clients these pages show are audited here, once each."""

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import User
from accounts.policy import clients_visible_to
from accounts.selectors import active_coach_of, caseload_of
from coaching.selectors.client_home_sql import PAST_PER_PAGE
from coaching.selectors.consents import consents_waiting_for
from coaching.selectors.plan_figures import (
    own_steps_summary,
    suggested_steps_by_client,
    with_plan_status,
)
from coaching.selectors.trust import (
    TrustPermissions,
    checkin_prompts,
    checkins_visible_to,
    flags_visible_to,
    trust_summaries,
)
from coaching.selectors.trust import permissions_for as trust_permissions_for
from common.paging import page_number, page_of
from sessions_log.models import Session
from sessions_log.selectors import notes_to_finish_summary, sessions_visible_to


def client_for_viewing(user: User, pk: int) -> User:
    """A client of `user`'s (their coach, their team's supervisor), for their
    page; reading it is audited."""
    client = clients_visible_to(user).filter(pk=pk).first()
    if client is None:
        raise Http404
    audit_record(actor=user, action="client.view", obj=client, client=client)
    return client


def coach_caseload_home(coach: User, page_number) -> dict:
    """The coach's home: a page of their caseload with each client's trust
    summary, and the notes they have to finish; the clients listed are
    audited."""
    page = page_of(with_plan_status(caseload_of(coach)), page_number)
    summaries = trust_summaries(coach, [assignment.client_id for assignment in page.object_list])
    notes = notes_to_finish_summary(coach)
    audit_clients_shown(
        actor=coach,
        shown=[
            ("caseload.list", page.object_list),
            ("notes_to_finish.list", notes["notes_to_finish"]),
        ],
    )
    return {
        "page": page,
        "rows": [
            {"assignment": assignment, "trust": summaries[assignment.client_id]}
            for assignment in page.object_list
        ],
        **notes,
    }


def trust_panel(viewer: User, client: User) -> dict:
    """A client's recent trust trend, comments and flags, for their coach and
    supervisor. The newest few check-ins: the page costs the same after years;
    the supervisor's client history lists every one."""
    newest = checkins_visible_to(viewer).filter(client=client).order_by("-created_at", "-pk")
    checkins = list(reversed(newest[: settings.TRUST_PANEL_CHECKINS]))
    return {
        "checkins": checkins,
        "comments": [checkin for checkin in reversed(checkins) if checkin.comment],
        "flags": list(flags_visible_to(viewer).filter(client=client)[:20]),
    }


def client_timeline(viewer: User, client: User, page_number) -> dict:
    """A client's page with the ORM: a page of their sessions (newest first),
    the trust panel and the plan's suggested steps. The reference that
    coaching.selectors.timeline_sql (what the page runs) is held equal to."""
    sessions = (
        sessions_visible_to(viewer)
        .filter(client=client)
        .select_related(None)
        .select_related("coach", "note")
        .only("starts_at", "ends_at", "status", "coach__display_name", "note__signed_at")
        .order_by("-starts_at", "-pk")
    )
    return {
        "page": page_of(sessions, page_number),
        **trust_panel(viewer, client),
        "steps": suggested_steps_by_client(viewer, [client.pk])[client.pk],
    }


def permissions_for(user: User, record=None) -> TrustPermissions:
    """What a client's page offers `user` (acknowledge, resolve their flags):
    the trust policy's flags."""
    return trust_permissions_for(user, record)


def client_home_orm(client: User, page, *, now=None) -> dict:
    """The client's home through the ORM, as plain values: the reference
    coaching.selectors.client_home_sql.client_home_rows is held equal to
    (tests/coaching/test_client_home_sql.py). The page reads the latter."""
    now = now or timezone.now()
    # Clients see the next steps of their notes, never the rest of them.
    sessions = (
        sessions_visible_to(client)
        .exclude(status=Session.Status.CANCELLED, starts_at__lt=now)
        .select_related("note")
        .defer("agenda", "note__narrative", "note__client_words", "note__goals")
    )
    past = sessions.filter(starts_at__lt=now).order_by("-starts_at", "-pk")
    number = page_number(page)
    start = (number - 1) * PAST_PER_PAGE
    shown = list(past[start : start + PAST_PER_PAGE + 1])
    if not shown and number > 1:
        number, shown = 1, list(past[: PAST_PER_PAGE + 1])
    coach = active_coach_of(client)
    return {
        "coach_name": coach.display_name if coach else None,
        "steps": own_steps_summary(client),
        "prompts": [
            (request.session_id, request.session.starts_at) for request in checkin_prompts(client)
        ],
        "consents": [
            {"pk": consent.pk, "label": consent.recipient_label}
            for consent in consents_waiting_for(client)
        ],
        "upcoming": [
            _plain_session(s) for s in sessions.filter(starts_at__gte=now).order_by("starts_at")
        ],
        "past": [_plain_session(session) for session in shown],
        "number": number,
    }


def _plain_session(session: Session) -> dict:
    note = getattr(session, "note", None)
    signed = note is not None and note.signed_at is not None
    return {
        "pk": session.pk,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "modality": session.modality,
        "status": session.status,
        "location": session.location,
        "video_url": session.video_url,
        "coach_name": session.coach.display_name,
        "next_steps": note.next_steps if signed else "",
    }
