from django.urls import path

from sessions_log import views

app_name = "sessions_log"

urlpatterns = [
    path("my/sessions/", views.my_sessions, name="my_sessions"),
    path("sessions/", views.agenda, name="agenda"),
    path("sessions/new/", views.session_new, name="session_new"),
]
