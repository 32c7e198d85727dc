from django.urls import path

from sessions_log import views, views_calendar, views_notes, views_reminders

app_name = "sessions_log"

urlpatterns = [
    path("my/sessions/", views.my_sessions, name="my_sessions"),
    path("sessions/", views.agenda, name="agenda"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/log/", views.contact_log, name="contact_log"),
    path("sessions/<int:pk>/", views_notes.session_detail, name="session_detail"),
    path("sessions/<int:pk>/close/", views_notes.session_close, name="session_close"),
    path("sessions/<int:pk>/cancel/", views_notes.session_cancel, name="session_cancel"),
    path(
        "sessions/<int:pk>/reschedule/", views_notes.session_reschedule, name="session_reschedule"
    ),
    path("sessions/<int:pk>/note/", views_notes.note_open, name="note_open"),
    path("clients/<int:pk>/", views_notes.client_timeline, name="client_timeline"),
    path("notes/<int:pk>/draft/", views_notes.note_draft, name="note_draft"),
    path("notes/<int:pk>/sign/", views_notes.note_sign, name="note_sign"),
    path("notes/<int:pk>/addenda/", views_notes.addendum_add, name="addendum_add"),
    path("notes/<int:pk>/review/", views_notes.note_review, name="note_review"),
    path("review/", views_notes.review_queue, name="review_queue"),
    path("notes/to-finish/", views_notes.notes_to_finish, name="notes_to_finish"),
    path("sessions/<int:pk>/calendar.ics", views_calendar.session_ics, name="session_ics"),
    path("calendar/", views_calendar.feed_settings, name="feed_settings"),
    path("calendar/<str:token>.ics", views_calendar.feed, name="feed"),
    path("emails/", views_reminders.reminder_settings, name="reminder_settings"),
    path(
        "emails/unsubscribe/<str:token>/",
        views_reminders.reminder_unsubscribe,
        name="reminder_unsubscribe",
    ),
    path("emails/problems/", views_reminders.reminder_problems, name="reminder_problems"),
]
