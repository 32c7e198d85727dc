from django.urls import path

from sessions_log.views import (
    calendar,
    groups,
    notes,
    reminders,
    sessions,
    text_links,
    text_webhooks,
    texts,
)

app_name = "sessions_log"

urlpatterns = [
    path("sessions/", sessions.agenda, name="agenda"),
    path("sessions/new/", sessions.session_new, name="session_new"),
    path("sessions/log/", sessions.contact_log, name="contact_log"),
    path("sessions/groups/new/", groups.group_new, name="group_new"),
    path("sessions/groups/<int:pk>/", groups.group_detail, name="group_detail"),
    path("sessions/groups/<int:pk>/close/", groups.group_close, name="group_close"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/close/", sessions.session_close, name="session_close"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/reschedule/", sessions.session_reschedule, name="session_reschedule"),
    path("sessions/<int:pk>/billing/", sessions.session_billing, name="session_billing"),
    path("sessions/<int:pk>/note/", notes.note_open, name="note_open"),
    path("notes/<int:pk>/draft/", notes.note_draft, name="note_draft"),
    path("notes/<int:pk>/sign/", notes.note_sign, name="note_sign"),
    path("notes/<int:pk>/addenda/", notes.addendum_add, name="addendum_add"),
    path("notes/<int:pk>/review/", notes.note_review, name="note_review"),
    path("review/", notes.review_queue, name="review_queue"),
    path("notes/to-finish/", notes.notes_to_finish, name="notes_to_finish"),
    path("sessions/<int:pk>/calendar.ics", calendar.session_ics, name="session_ics"),
    path("calendar/", calendar.feed_settings, name="feed_settings"),
    path("calendar/<str:token>.ics", calendar.feed, name="feed"),
    path("emails/", reminders.reminder_settings, name="reminder_settings"),
    path(
        "emails/unsubscribe/<str:token>/",
        reminders.reminder_unsubscribe,
        name="reminder_unsubscribe",
    ),
    path("emails/problems/", reminders.reminder_problems, name="reminder_problems"),
    path("texts/", texts.text_settings, name="text_settings"),
    # Short, for texts: TEXTS_LINK_BASE + /t/ + a code fits within 160 characters.
    path("t/<str:code>", text_links.text_link_open, name="text_link"),
    # The text provider's webhooks (signed by it, no session).
    path("texts/inbound/", text_webhooks.text_inbound, name="text_inbound"),
    path("texts/status/", text_webhooks.text_status, name="text_status"),
]
