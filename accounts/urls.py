from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("team/", views.team, name="team"),
    path("manage/", views.manage, name="manage"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("invitations/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("teams/new/", views.team_create, name="team_create"),
    path("manage/people/", views.people, name="people"),
    path("manage/people/<int:pk>/", views.person, name="person"),
    path("manage/people/change/", views.person_change, name="person_change"),
    path("manage/people/access/", views.person_access, name="person_access"),
    path("manage/people/credential/", views.person_credential, name="person_credential"),
    path("manage/people/payer/", views.person_payer_identity, name="person_payer_identity"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", views.audit_log, name="audit_log"),
    path("my/record/", views.record_views, name="record_views"),
]
