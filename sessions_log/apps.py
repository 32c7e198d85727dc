from django.apps import AppConfig


class SessionsLogConfig(AppConfig):
    name = "sessions_log"
    verbose_name = "Sessions and notes"

    def ready(self) -> None:
        from sessions_log import receivers  # noqa: F401 - revokes feed links on resets
