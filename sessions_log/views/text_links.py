"""The short links texts carry (`/t/<code>`)."""

from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from sessions_log.services.text_bodies import text_link_follow


@require_GET
def text_link_open(request, code):
    """Open a text's link: to the page it stands for, or the 404 page for an
    unknown or expired one (the same page: a code tells nothing)."""
    target = text_link_follow(code=code)
    if target is None:
        raise Http404
    return redirect(target)
