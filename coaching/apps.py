from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching relationships"

    def ready(self) -> None:
        from coaching import receivers  # noqa: F401 - plugs into sessions_log's hooks
