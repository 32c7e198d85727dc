from django.urls import path

from accounts.views import (
    invitations,
    language,
    login_sessions,
    manage,
    offline_clients,
    people,
    reviews,
    teams,
    trail,
    who_viewed,
)

app_name = "accounts"

urlpatterns = [
    path("language/", language.language_set, name="language_set"),
    path("team/", teams.team, name="team"),
    path("manage/", manage.manage, name="manage"),
    path("invitations/new/", invitations.invitation_create, name="invitation_create"),
    path("invitations/revoke/", invitations.invitation_revoke, name="invitation_revoke"),
    path(
        "clients/no-login/new/", offline_clients.offline_client_create, name="offline_client_create"
    ),
    path("teams/new/", manage.team_create, name="team_create"),
    path("manage/people/", people.people, name="people"),
    path("manage/people/<int:pk>/", people.person, name="person"),
    path("manage/people/change/", people.person_change, name="person_change"),
    path("manage/people/access/", people.person_access, name="person_access"),
    path("manage/people/credential/", people.person_credential, name="person_credential"),
    path("manage/people/payer/", people.person_payer_identity, name="person_payer_identity"),
    path("invite/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("audit/", trail.audit_trail, name="audit_log"),
    path("audit/export/", reviews.audit_export, name="audit_export"),
    path("audit/breach-report/", reviews.breach_report, name="breach_report"),
    path("my/record/", who_viewed.record_views, name="record_views"),
    # Where allauth's sessions page was (allauth.urls comes after these).
    path("accounts/sessions/", login_sessions.login_sessions, name="login_sessions"),
    path("accounts/sessions/end/", login_sessions.login_session_end, name="login_session_end"),
    path(
        "accounts/sessions/end-others/",
        login_sessions.login_sessions_end_others,
        name="login_sessions_end_others",
    ),
]
