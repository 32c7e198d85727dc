"""Demo people: an admin, a supervisor, two coaches (team North) and five
clients, with known passwords and TOTP secrets. Idempotent."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from accounts.models import CaseloadAssignment, Role, Team, User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data only, refused without DEBUG

# (role, email, display name, team, TOTP secret for staff, coach email for clients)
PEOPLE = [
    (Role.ADMIN, "admin@demo.test", "Alex Admin", None, "JBSWY3DPEHPK3PXA", None),
    (Role.SUPERVISOR, "sam@demo.test", "Sam Supervisor", "North", "JBSWY3DPEHPK3PXS", None),
    (Role.COACH, "casey@demo.test", "Casey Rivera", "North", "JBSWY3DPEHPK3PXC", None),
    (Role.COACH, "jordan@demo.test", "Jordan Lee", "North", "JBSWY3DPEHPK3PXJ", None),
    (Role.CLIENT, "robin@demo.test", "Robin Park", None, None, "casey@demo.test"),
    (Role.CLIENT, "taylor@demo.test", "Taylor Moss", None, None, "casey@demo.test"),
    (Role.CLIENT, "morgan@demo.test", "Morgan Diaz", None, None, "casey@demo.test"),
    (Role.CLIENT, "riley@demo.test", "Riley Chen", None, None, "jordan@demo.test"),
    (Role.CLIENT, "quinn@demo.test", "Quinn Ortiz", None, None, "jordan@demo.test"),
]


def seed() -> list[str]:
    """Everyone on PEOPLE, as they are listed; a line each for the logins."""
    return [_person(*person) for person in PEOPLE]


def _person(role, email, name, team_name, totp_secret, coach_email):
    team = Team.objects.get_or_create(name=team_name)[0] if team_name else None
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email)
    user.display_name = name
    user.role = role
    user.team = team
    user.is_active = True
    user.set_password(DEMO_PASSWORD)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    if totp_secret:
        Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
        TOTP.activate(user, totp_secret)
    if coach_email:
        coach = User.objects.get(email=coach_email)
        if not CaseloadAssignment.objects.filter(client=user, ended_at__isnull=True).exists():
            CaseloadAssignment.objects.create(coach=coach, client=user, created_by=coach)
    line = f"{role.label:<10} {email:<20} {DEMO_PASSWORD}"
    if totp_secret:
        line += f"  TOTP secret {totp_secret}"
    return line
