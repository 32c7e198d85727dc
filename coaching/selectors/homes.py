"""What the pages that show several apps' data put together: the coach's
home, the client's home and a client's page. Each piece comes from the
selectors of the app that owns it; the views hand the templates the result.
The clients these pages show are audited here, once each."""

from django.conf import settings
from django.http import Http404

from accounts.audit import audit_clients_shown, audit_record
from accounts.models import User
from accounts.policy import clients_visible_to
from accounts.selectors import caseload_of
from coaching.selectors.plan_figures import suggested_steps_by_client, with_plan_status
from coaching.selectors.trust import (
    TrustPermissions,
    checkins_visible_to,
    flags_visible_to,
    trust_summaries,
)
from coaching.selectors.trust import permissions_for as trust_permissions_for
from common.paging import page_of
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
