"""Request id and audit context for every request; refusal of input no view should see."""

import re
import uuid

import pghistory.middleware
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from hetao.api import text
from hetao.api.errors import is_api_request, json_error_response
from hetao.limits import MULTIPART_OVERHEAD_BYTES

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


def _content_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _api_body_limit(request) -> int | None:
    """The largest body an API request may send: a document upload, or DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and request.content_type == "multipart/form-data":
        limit += settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD_BYTES
    return limit


class RequestInputMiddleware:
    """Refuse, with a 400, text no view should see: NUL characters and bytes that are not UTF-8.

    PostgreSQL cannot store NUL in text and Django silently decodes broken UTF-8 to U+FFFD, so
    both are refused here, once, for the decoded path, the query string and form bodies (the API's
    JSON parser refuses them in JSON bodies). An API request whose body is over the size limit
    is answered 413. The API answers JSON; pages answer the 400 page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api_request(request)
        if api:
            limit = _api_body_limit(request)
            if limit is not None and _content_length(request) > limit:
                return json_error_response(request, 413)
        try:
            problem = self._problem(request)
        except RequestDataTooBig:
            return json_error_response(request, 413) if api else self._bad_request(request)
        except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
            if api:
                return json_error_response(
                    request, 400, code="parse_error", detail=_("The form body could not be parsed.")
                )
            return self._bad_request(request)
        if problem is not None:
            if api:
                return json_error_response(request, 400, code=problem, detail=text.MESSAGES[problem])
            return self._bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _problem(request) -> str | None:
        if text.NUL in request.path_info:
            return text.NUL_CHARACTER
        query = request.META.get("QUERY_STRING", "")
        # WSGI hands over the query string's bytes as latin-1 characters.
        if problem := text.urlencoded_problem(query.encode("latin-1", errors="replace")):
            return problem
        content_type = request.content_type
        if content_type == "application/x-www-form-urlencoded":
            return text.urlencoded_problem(request.body)
        if content_type == "multipart/form-data" and request.method == "POST":
            # The API's multipart parser checks other methods' bodies, which Django leaves unparsed.
            return text.form_problem(request.POST, request.FILES)
        return None

    @staticmethod
    def _bad_request(request):
        from hetao.views import bad_request

        return bad_request(request)


class AuthFailureThrottleMiddleware:
    """Throttle failed API authentication per client address (see `hetao.api.throttling.AuthFailureThrottle`).

    Counts the 401 answers under /api/; once an address is over API_AUTH_FAILURE_THROTTLE_RATE, its
    requests with a token or without credentials get 429 with Retry-After before any token is looked
    up. Signed-in browser sessions are not affected: they have nothing to guess.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_request(request):
            return self.get_response(request)
        from hetao.api.authentication import client_ip
        from hetao.api.throttling import AuthFailureThrottle

        throttle = AuthFailureThrottle(client_ip(request) or request.META.get("REMOTE_ADDR") or "unknown")
        if "HTTP_AUTHORIZATION" in request.META or not request.user.is_authenticated:
            wait = throttle.wait()
            if wait is not None:
                response = json_error_response(request, 429)
                response["Retry-After"] = str(wait)
                return response
        response = self.get_response(request)
        if response.status_code == 401:
            throttle.record_failure()
        return response
