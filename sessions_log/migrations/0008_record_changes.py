from django.db import migrations

from accounts import record_changes

# Autosaves update notes all the time and change nothing a list shows; signing
# a note moves its session's note_state, which the session's triggers see.
NOTE_EVENTS = ("insert", "delete")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_record_change"),
        ("sessions_log", "0007_session_note_state"),
    ]

    operations = [
        migrations.RunSQL(
            record_changes.attach("sessions_log_session"),
            record_changes.detach("sessions_log_session"),
        ),
        migrations.RunSQL(
            record_changes.attach("sessions_log_note", NOTE_EVENTS),
            record_changes.detach("sessions_log_note", NOTE_EVENTS),
        ),
    ]
