from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and access"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import receivers  # noqa: F401 - connects signal receivers
        from common.database import grant_after_migrate

        # Sent for every app once all migrations have run: reacting to this
        # app's alone grants once per migrate, as the role that ran it.
        post_migrate.connect(
            grant_after_migrate, sender=self, dispatch_uid="accounts.grant_after_migrate"
        )
