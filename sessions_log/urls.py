from django.urls import path

from sessions_log import views

app_name = "sessions_log"

urlpatterns = [
    path("my/sessions/", views.my_sessions, name="my_sessions"),
]
