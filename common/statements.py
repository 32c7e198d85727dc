"""Running a module's own constant SQL text (the kept figures' updates,
recomputes and repairs): one statement, its parameters bound by the driver."""

from django.db import connection


def statement_run(sql: str, params: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def statement_value(sql: str, params: dict) -> int:
    """The first column of the statement's one row (a count)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]
