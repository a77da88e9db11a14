"""Request id and audit context for every request."""

import re
import uuid

import pghistory.middleware

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    """Give each request an id (the caller's X-Request-ID when well-formed) and echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class AuditContextMiddleware(pghistory.middleware.HistoryMiddleware):
    """Attach actor, request id and channel to every audit event written during the request."""

    def get_context(self, request):
        context = super().get_context(request)
        context["request_id"] = getattr(request, "request_id", None)
        context["method"] = request.method
        context["channel"] = "api" if request.path.startswith("/api/") else "web"
        return context


class RefusedOperationMiddleware:
    """A service's NotAllowed (the user's role does not permit it) becomes the 403 page.

    Pages need not catch it one by one; the API maps the same error in its own exception handler.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied

        from hetao.errors import NotAllowed
        from hetao.views import permission_denied

        if isinstance(exception, NotAllowed):
            return permission_denied(request, PermissionDenied(exception.message))
        return None
