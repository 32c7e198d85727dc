from django.db import models


class TeamRow(models.Model):
    """The teams table as the bare-Django reference reads it: without the
    accounts app, which brings the whole stack with it."""

    name = models.CharField(max_length=100)

    class Meta:
        managed = False
        db_table = "accounts_team"

    def __str__(self) -> str:
        return self.name
