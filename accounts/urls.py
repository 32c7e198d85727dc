from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("team/", views.team, name="team"),
    path("manage/", views.manage, name="manage"),
    path("invitations/new/", views.invitation_create, name="invitation_create"),
    path("teams/new/", views.team_create, name="team_create"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("audit/", views.audit_log, name="audit_log"),
    path("my/record/", views.record_views, name="record_views"),
]
