"""The selectors of sessions, notes and trust data state the visibility rule
in the form PostgreSQL plans best (accounts.selectors.client_scope and
relationship_scope); it must stay the same rule as clients_visible_to, for
every kind of person."""

from datetime import timedelta

import pytest
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import CaseloadAssignment, Role, User
from accounts.policy import client_scope, clients_visible_to, relationship_scope
from sessions_log.selectors import notes_visible_to, sessions_visible_to
from tests.conftest import make_user
from tests.helpers import past_contact, signed_contact


@pytest.mark.django_db
def test_client_scope_is_the_one_visibility_rule_for_every_person(world, coach):
    # A client the coach used to work with, who has records of their own.
    former = make_user("former@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=former)
    signed_contact(coach, former, hours_ago=30)
    CaseloadAssignment.objects.filter(client=former).update(ended_at=timezone.now())
    inactive_coach = make_user("gone@example.org", Role.COACH, team=coach.team)
    inactive_coach.is_active = False
    inactive_coach.save()
    people = [user for user, _ in world["personas"].values()] + [former, inactive_coach]
    for person in people:
        visible = set(clients_visible_to(person).values_list("pk", flat=True))
        scoped = set(User.objects.filter(client_scope(person, "pk")).values_list("pk", flat=True))
        assert scoped == visible, person.email
        session_clients = set(sessions_visible_to(person).values_list("client_id", flat=True))
        note_clients = set(notes_visible_to(person).values_list("session__client_id", flat=True))
        assert session_clients <= visible, person.email
        assert note_clients <= visible, person.email
        # Relationships: a coach's and a supervisor's active ones are exactly
        # their visible clients'; nobody else has any.
        related = CaseloadAssignment.objects.filter(relationship_scope(person))
        related_clients = set(related.values_list("client_id", flat=True))
        if person.role in (Role.COACH, Role.SUPERVISOR):
            assert related_clients == visible, person.email
        else:
            assert related_clients == set(), person.email
    # The rule is not empty by accident: each side sees its own.
    north_coach_sees = set(sessions_visible_to(coach).values_list("client_id", flat=True))
    assert north_coach_sees == {world["objects"]["north"]["client"]}
    north_coach_relates = CaseloadAssignment.objects.filter(relationship_scope(coach))
    assert set(north_coach_relates.values_list("client_id", flat=True)) == north_coach_sees


def _pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.mark.django_db
def test_every_selector_shows_exactly_what_the_policy_allows(
    world, coach, other_coach, supervisor, client_user
):
    """Each selector, for every kind of person, against the rule written out
    in words over the records themselves (not over the policy's own Q)."""
    from accounts.models import AuditEvent, Invitation, Team
    from accounts.selectors import (
        audit_events_visible_to,
        invitations_visible_to,
        people_managed_by,
        teams_visible_to,
    )
    from accounts.services import invitation_create
    from coaching.models import (
        CheckIn,
        Consent,
        ContactPreferences,
        Disclosure,
        Episode,
        Goal,
        NoteGoal,
        OutreachAttempt,
        Plan,
        PlanVersion,
        Recipient,
        ReferralSource,
        Step,
        SupervisorRequest,
        TrustFlag,
    )
    from coaching.notices import NOTICE_VERSION
    from coaching.selectors.caseloads import (
        clients_reviewable_by,
        coaches_reviewable_by,
        relationships_reviewable_by,
    )
    from coaching.selectors.consents import (
        consent_clients_managed_by,
        consents_managed_by,
        consents_signable_by,
        consents_visible_to,
        disclosures_visible_to,
    )
    from coaching.selectors.episodes import (
        episode_clients_dischargeable_by,
        episode_clients_openable_by,
        episode_clients_visible_to,
        episodes_dischargeable_by,
        episodes_visible_to,
    )
    from coaching.selectors.outreach import (
        attempts_visible_to,
        contact_preferences_visible_to,
        outreach_clients_loggable_by,
        outreach_clients_visible_to,
    )
    from coaching.selectors.plans import (
        goals_editable_by,
        goals_visible_to,
        note_goals_visible_to,
        plan_clients_visible_to,
        plan_versions_visible_to,
        plans_visible_to,
        steps_editable_by,
        steps_visible_to,
        versions_agreeable_by,
        versions_signable_by,
    )
    from coaching.selectors.trust import (
        checkins_visible_to,
        flags_visible_to,
        supervisor_requests_visible_to,
    )
    from coaching.services.caseloads import client_reassign
    from coaching.services.plans import note_goals_set
    from sessions_log.models import Note, NoteReview, Session
    from sessions_log.selectors import agendas_visible_to, note_reviews_visible_to
    from sessions_log.services.notes import note_open, note_review, note_sign
    from tests.helpers import plan_with

    # A relationship that has ended, with trust data: nobody sees it now.
    former = make_user("former@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=former)
    signed_contact(coach, former, hours_ago=30)
    CaseloadAssignment.objects.filter(client=former).update(ended_at=timezone.now())
    invitation_create(actor=coach, email="new@example.org", role=Role.CLIENT, team=None)
    # A client who moved within North from Casey to Morgan, leaving behind
    # Casey's agenda, a draft, a signed note and the supervisor's review of it.
    morgan = make_user("morgan@example.org", Role.COACH, team=coach.team)
    moved = make_user("moved@example.org", Role.CLIENT)
    CaseloadAssignment.objects.create(coach=coach, client=moved)
    session, note = signed_contact(coach, moved, hours_ago=40)
    Session.objects.filter(pk=session.pk).update(agenda="Casey's own plan")
    # Their recovery plan, and the goals Casey's notes worked on: one note
    # signed, one still a draft.
    (moved_goal,) = plan_with(coach, moved)
    for hours, sign in ((33, True), (36, False)):
        worked = note_open(actor=coach, session=past_contact(coach, moved, timedelta(hours=hours)))
        note_goals_set(actor=coach, note=worked, goals={moved_goal.pk: "Talked"})
        if sign:
            Note.objects.filter(pk=worked.pk).update(narrative="Talked")
            note_sign(actor=coach, note=Note.objects.get(pk=worked.pk))
    note_review(actor=supervisor, note=note, decision="returned", comment="Add the plan")
    note_open(actor=coach, session=past_contact(coach, moved, timedelta(hours=20)))
    client_reassign(
        actor=supervisor, client=moved, new_coach=morgan, reason="Fit", cancel_upcoming=False
    )
    # A draft of Casey's for her current client, Robin.
    note_open(actor=coach, session=past_contact(coach, client_user, timedelta(hours=10)))
    # A request about Sam's own coaching, from before Sam became a supervisor.
    SupervisorRequest.objects.create(
        client=client_user, coach=supervisor, team=supervisor.team, message="About Sam"
    )
    # Episodes and outreach: of the current clients, of Casey's former client
    # (now Morgan's) and of the relationship that has ended.
    referred = ReferralSource.objects.get_or_create(name="Self")[0]
    acme = Recipient.objects.get_or_create(name="Acme Health Plan", kind="organisation")[0]
    other_client = world["personas"]["another client"][0]
    for someone in (client_user, other_client, moved, former):
        # Each side's client has one already (the world's, for the billing page).
        Episode.objects.get_or_create(
            client=someone,
            discharge_date=None,
            defaults={
                "intake_date": timezone.localdate() - timedelta(days=30),
                "referral_source": referred,
                "opened_by": coach,
            },
        )
        OutreachAttempt.objects.create(
            client=someone, coach=coach, channel="phone", outcome="reached"
        )
        ContactPreferences.objects.create(client=someone, updated_by=coach)
        # A consent and a disclosure under it: the client's, like the plan.
        consent = Consent.objects.create(
            client=someone,
            recipient=acme,
            purpose="Billing",
            information=["service_record"],
            ends_on_event="The end of my enrolment",
            prepared_by=coach,
        )
        Disclosure.objects.create(
            client=someone,
            consent=consent,
            recipient=acme,
            information=["service_record"],
            export="claim_file",
            by=coach,
            notice_version=NOTICE_VERSION,
        )
    # A client's own sign-in: their supervisor oversees the coaching, not this.
    audit_record(actor=client_user, action="auth.login", obj=client_user, client=client_user)
    people = [user for user, _ in world["personas"].values()] + [former, morgan, moved]
    seen_anything = set()
    for person in people:
        visible = set(clients_visible_to(person).values_list("pk", flat=True))
        staff = person.role in (Role.COACH, Role.SUPERVISOR)
        active_of_visible = {"assignment__ended_at__isnull": True, "client__in": visible}

        def coachs_own(coach_of_record, person=person):
            """A coach's own material (agenda, draft, reviews of their notes)
            is for them and for their team's supervisors."""
            if person.role == Role.COACH:
                return coach_of_record.pk == person.pk
            return person.role == Role.SUPERVISOR and coach_of_record.team_id == person.team_id

        notes_of_visible = Note.objects.filter(session__client__in=visible)
        # A plan is the client's: for them, and for staff who see the client.
        plans_of_visible = Plan.objects.filter(client__in=visible)
        writes = person.role in (Role.CLIENT, Role.COACH)
        expected = {
            "sessions": _pks(Session.objects.filter(client__in=visible)),
            # Signed notes of visible clients; a draft only for its author
            # and their team's supervisors (a successor reads signed notes).
            "notes": {
                note.pk
                for note in notes_of_visible.select_related("author")
                if note.signed_at or coachs_own(note.author)
            },
            "private agendas": {
                session.pk
                for session in Session.objects.filter(client__in=visible).select_related("coach")
                if coachs_own(session.coach)
            },
            "note reviews": {
                review.pk
                for review in NoteReview.objects.filter(
                    note__session__client__in=visible
                ).select_related("note__author")
                if coachs_own(review.note.author)
            },
            "check-ins": _pks(
                CheckIn.objects.filter(**active_of_visible)
                if staff
                else CheckIn.objects.filter(client=person)
                if person.role == Role.CLIENT
                else CheckIn.objects.none()
            ),
            "flags": _pks(TrustFlag.objects.filter(**active_of_visible)) if staff else set(),
            # The team's, but never those about the supervisor's own coaching.
            "private requests": _pks(
                SupervisorRequest.objects.filter(team=person.team_id).exclude(coach=person)
            )
            if person.role == Role.SUPERVISOR
            else set(),
            "coaches to review": _pks(
                User.objects.filter(role=Role.COACH)
                if person.role == Role.ADMIN
                else User.objects.filter(role=Role.COACH, team=person.team_id)
                if person.role == Role.SUPERVISOR
                else User.objects.none()
            ),
            "clients to review": visible
            if person.role == Role.SUPERVISOR
            else set(
                CaseloadAssignment.objects.filter(ended_at__isnull=True).values_list(
                    "client", flat=True
                )
            )
            if person.role == Role.ADMIN
            else set(),
            # Active or ended: a supervisor, those whose coach is in their
            # team; an admin, every one.
            "relationships to review": _pks(
                CaseloadAssignment.objects.filter(coach__team=person.team_id)
                if person.role == Role.SUPERVISOR
                else CaseloadAssignment.objects.all()
                if person.role == Role.ADMIN
                else CaseloadAssignment.objects.none()
            ),
            "audit events": _pks(
                (
                    AuditEvent.objects.all()
                    if person.role == Role.ADMIN
                    # Their clients' records, not the clients' own account
                    # activity nor their own use of the app but for their care.
                    else AuditEvent.objects.filter(client__in=visible)
                    .exclude(action__regex=r"^(auth\.|calendar|reminders\.)")
                    .exclude(
                        Q(actor__role=Role.CLIENT)
                        & ~Q(
                            action__regex=r"^(plan\.|checkin\.submit$|consent\.sign$|"
                            r"consent\.revoke$|supervisor_request\.create$)"
                        )
                    )
                    | AuditEvent.objects.filter(actor__team=person.team_id)
                    if person.role == Role.SUPERVISOR
                    else AuditEvent.objects.none()
                )
                # A private request's events: only to who may read it.
                .exclude(
                    Q(object_type="supervisorrequest")
                    & ~Q(
                        object_id__in=[
                            str(pk)
                            for pk in SupervisorRequest.objects.filter(
                                team_id=person.team_id if person.role == Role.SUPERVISOR else -1
                            )
                            .exclude(coach=person)
                            .values_list("pk", flat=True)
                        ]
                    )
                )
            ),
            "invitations": _pks(
                Invitation.objects.all()
                if person.role == Role.ADMIN
                else Invitation.objects.filter(invited_by=person)
                if person.role == Role.COACH
                else Invitation.objects.none()
            ),
            "people to manage": _pks(User.objects.all()) if person.role == Role.ADMIN else set(),
            "plans": _pks(plans_of_visible),
            "goals": _pks(Goal.objects.filter(plan__in=plans_of_visible)),
            "steps": _pks(Step.objects.filter(goal__plan__in=plans_of_visible)),
            "plan versions": _pks(PlanVersion.objects.filter(plan__in=plans_of_visible)),
            # As the note: signed, or the author's own draft.
            "notes' plan goals": {
                link.pk
                for link in NoteGoal.objects.filter(
                    note__session__client__in=visible
                ).select_related("note__author")
                if link.note.signed_at or coachs_own(link.note.author)
            },
            "goals to edit": _pks(Goal.objects.filter(plan__in=plans_of_visible))
            if writes
            else set(),
            "steps to edit": _pks(Step.objects.filter(goal__plan__in=plans_of_visible))
            if writes
            else set(),
            "versions to agree to": _pks(PlanVersion.objects.filter(plan__client=person))
            if person.role == Role.CLIENT
            else set(),
            "versions to sign": _pks(PlanVersion.objects.filter(plan__in=plans_of_visible))
            if person.role == Role.COACH
            else set(),
            "people whose plan to open": visible,
            # Episodes are the client's, like the plan; outreach is staff's.
            "episodes": _pks(Episode.objects.filter(client__in=visible)),
            "episodes to discharge": _pks(Episode.objects.filter(client__in=visible))
            if staff
            else set(),
            "people whose episodes to open": visible,
            "people to admit": visible if person.role == Role.COACH else set(),
            "people to discharge": visible if staff else set(),
            "outreach attempts": _pks(OutreachAttempt.objects.filter(client__in=visible))
            if staff
            else set(),
            "contact preferences": _pks(ContactPreferences.objects.filter(client__in=visible))
            if staff
            else set(),
            "people to reach": visible if staff else set(),
            "people to log outreach for": visible if person.role == Role.COACH else set(),
            # Consents are the client's: they sign and revoke their own; staff
            # who see the client prepare, end and disclose under them.
            "consents": _pks(Consent.objects.filter(client__in=visible)),
            "disclosures": _pks(Disclosure.objects.filter(client__in=visible)),
            "consents to sign or revoke": _pks(Consent.objects.filter(client=person))
            if person.role == Role.CLIENT
            else set(),
            "consents to manage": _pks(Consent.objects.filter(client__in=visible))
            if staff
            else set(),
            "people whose consents to manage": visible if staff else set(),
            "teams": _pks(
                Team.objects.all()
                if person.role == Role.ADMIN
                else Team.objects.filter(pk=person.team_id)
                if person.role == Role.SUPERVISOR
                else Team.objects.none()
            ),
        }
        actual = {
            "sessions": _pks(sessions_visible_to(person)),
            "notes": _pks(notes_visible_to(person)),
            "private agendas": _pks(agendas_visible_to(person)),
            "note reviews": _pks(note_reviews_visible_to(person)),
            "check-ins": _pks(checkins_visible_to(person)),
            "flags": _pks(flags_visible_to(person)),
            "private requests": _pks(supervisor_requests_visible_to(person)),
            "coaches to review": _pks(coaches_reviewable_by(person)),
            "clients to review": _pks(clients_reviewable_by(person)),
            "relationships to review": _pks(relationships_reviewable_by(person)),
            "audit events": _pks(audit_events_visible_to(person)),
            "invitations": _pks(invitations_visible_to(person)),
            "people to manage": _pks(people_managed_by(person)),
            "plans": _pks(plans_visible_to(person)),
            "goals": _pks(goals_visible_to(person)),
            "steps": _pks(steps_visible_to(person)),
            "plan versions": _pks(plan_versions_visible_to(person)),
            "notes' plan goals": _pks(note_goals_visible_to(person)),
            "goals to edit": _pks(goals_editable_by(person)),
            "steps to edit": _pks(steps_editable_by(person)),
            "versions to agree to": _pks(versions_agreeable_by(person)),
            "versions to sign": _pks(versions_signable_by(person)),
            "people whose plan to open": _pks(plan_clients_visible_to(person)),
            "episodes": _pks(episodes_visible_to(person)),
            "episodes to discharge": _pks(episodes_dischargeable_by(person)),
            "people whose episodes to open": _pks(episode_clients_visible_to(person)),
            "people to admit": _pks(episode_clients_openable_by(person)),
            "people to discharge": _pks(episode_clients_dischargeable_by(person)),
            "outreach attempts": _pks(attempts_visible_to(person)),
            "contact preferences": _pks(contact_preferences_visible_to(person)),
            "people to reach": _pks(outreach_clients_visible_to(person)),
            "people to log outreach for": _pks(outreach_clients_loggable_by(person)),
            "consents": _pks(consents_visible_to(person)),
            "disclosures": _pks(disclosures_visible_to(person)),
            "consents to sign or revoke": _pks(consents_signable_by(person)),
            "consents to manage": _pks(consents_managed_by(person)),
            "people whose consents to manage": _pks(consent_clients_managed_by(person)),
            "teams": _pks(teams_visible_to(person)),
        }
        assert actual == expected, person.email
        seen_anything |= {kind for kind, rows in actual.items() if rows}
    # Not empty by accident: every kind of record is seen by somebody.
    assert seen_anything == set(expected)
