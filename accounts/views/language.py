"""The one-tap language switch in every client page's header (and the
sign-in pages'): a signed-in person's choice is kept on their account;
before sign-in a cookie keeps it."""

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.languages import language_remember
from accounts.services.language import language_offered, user_language_set


def _next(request) -> str:
    """Back to the page the switch was on: only a path on this site."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
def language_set(request):
    language = request.POST.get("language", "")
    if not language_offered(language):
        context = {"back": _next(request)}
        return render(request, "accounts/language_refused.html", context, status=400)
    if request.user.is_authenticated:
        user_language_set(actor=request.user, language=language)
    response = HttpResponseRedirect(_next(request))
    # Also for a signed-in person: the sign-in page after they sign out.
    language_remember(response, language)
    return response
