"""Record asked for and not given: a 404 on a URL that names a record by
its number is logged through accounts.audit ("record.not_found"), whoever
asked and whatever the reason (absent, or not theirs to see: the event says
"not found or not allowed", never which, as the page does).

It runs on the exception the view raised, after the view's transaction
rolled back, so the event is kept. One INSERT per refused request, as an
allowed read writes: someone probing numbers writes no faster than they
read, and the rate limits in front of the app bound both. Links whose
token is the credential (feeds, invitations) are not logged: the token is
not written anywhere."""

from django.http import Http404

from accounts.audit import audit_not_found


class NotFoundAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if (
            isinstance(exception, Http404)
            and match is not None
            and "pk" in match.kwargs
            and user is not None
            and user.is_authenticated
        ):
            audit_not_found(actor=user, kind=match.view_name, pk=match.kwargs["pk"])
        return None
