"""A file the browser saves rather than shows: client data in a download is
never cached (no-store), and the name it is saved under is ours."""

from django.http import HttpResponse


def attachment(content, *, filename: str, content_type: str) -> HttpResponse:
    """`content` (text or bytes; empty to write into the response, as a csv
    writer does) served as an attachment named `filename`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell a spreadsheet will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
