from django.urls import path

from coaching import views_trust

app_name = "trust"

urlpatterns = [
    path("checkins/", views_trust.my_checkins, name="my_checkins"),
    path("checkins/new/", views_trust.checkin_new, name="checkin_new"),
    path("checkins/link/<str:token>/", views_trust.checkin_by_link, name="checkin_by_link"),
    path("flags/<int:pk>/acknowledge/", views_trust.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<int:pk>/resolve/", views_trust.flag_resolve, name="flag_resolve"),
    path("supervision/", views_trust.supervision, name="supervision"),
    path(
        "supervision/requests/<int:pk>/taken/",
        views_trust.supervisor_request_handle,
        name="supervisor_request_handle",
    ),
]
