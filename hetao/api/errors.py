"""JSON answers for errors Django raises outside the API's views (unknown URL, crash) under /api/.

The URL configuration's `handler404` / `handler500` call `is_api_request` and answer with
`json_error_response` for partner systems, and with the HTML error pages otherwise.
"""

from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _

API_PREFIX = "/api/"

_ERRORS = {
    400: ("bad_request", _("The request could not be understood.")),
    403: ("permission_denied", _("You do not have permission to perform this action.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    413: ("request_too_large", _("The request body is larger than this endpoint accepts.")),
    429: ("throttled", _("Too many requests. Please wait before trying again.")),
    500: ("server_error", _("The server met an unexpected error. Please try again later.")),
    503: ("unavailable", _("The service is temporarily unavailable. Please try again later.")),
}


def is_api_request(request) -> bool:
    """True for requests to the partner API (and its schema and docs), which expect JSON errors."""
    return request.path_info.startswith(API_PREFIX)


def json_error_response(request, status: int, *, code: str | None = None, detail=None) -> JsonResponse:
    """The API's error body, `{"code", "detail", "request_id"}` (and `errors` for a 400), for an HTTP status."""
    default_code, default_detail = _ERRORS.get(status, ("error", _("The request failed.")))
    body = {"code": code or default_code, "detail": str(detail or default_detail)}
    if status == 400:
        body["errors"] = {"non_field_errors": [body["detail"]]}
    request_id = getattr(request, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return JsonResponse(body, status=status)
