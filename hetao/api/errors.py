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
    500: ("server_error", _("The server met an unexpected error. Please try again later.")),
    503: ("unavailable", _("The service is temporarily unavailable. Please try again later.")),
}


def is_api_request(request) -> bool:
    """True for requests to the partner API (and its schema and docs), which expect JSON errors."""
    return request.path_info.startswith(API_PREFIX)


def json_error_response(request, status: int) -> JsonResponse:
    """The API's error body, `{"code", "detail", "request_id"}`, for an HTTP status."""
    code, detail = _ERRORS.get(status, ("error", _("The request failed.")))
    body = {"code": code, "detail": str(detail)}
    request_id = getattr(request, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    return JsonResponse(body, status=status)
