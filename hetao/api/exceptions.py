"""JSON errors with a machine-readable `code` and field-level messages.

Every error body is `{"code", "detail", "request_id"}`; a 400 also carries `errors`, the messages
per field (`non_field_errors` for the request as a whole). `errors` is always flat,
`{field: [messages]}`: the messages of a list's items name the item ("Item 2: …") and a nested
object's fields are named with a dot ("address.city").
"""

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hetao.api.authentication import TokenAuthenticationFailed
from hetao.errors import DomainError


class Conflict(exceptions.APIException):
    """An action that the object's current state does not allow (invalid workflow transition)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_state"
    default_detail = gettext_lazy("This action is not allowed in the object's current state.")


class PayloadTooLarge(exceptions.APIException):
    """A request body over the configured size (DATA_UPLOAD_MAX_MEMORY_SIZE, or the upload limit)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = gettext_lazy("The request body is larger than this endpoint accepts.")


class DomainRefused(exceptions.APIException):
    """A service's refusal (`hetao.errors.DomainError`) carried to the client with its status and code."""

    def __init__(self, error: DomainError):
        self.status_code = error.status_code
        super().__init__(detail=str(error.message), code=error.code)


def _first_code(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value)
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    return getattr(detail, "code", None)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return ""
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def _is_position(key) -> bool:
    return isinstance(key, int) or (isinstance(key, str) and key.isdigit())


def flatten_errors(detail) -> dict[str, list[str]]:
    """DRF's nested error detail as `{field: [messages]}` (see the module's docstring)."""
    errors: dict[str, list[str]] = {}

    def walk(value, field: str, label: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if _is_position(key):
                    walk(inner, field, f"{label}{_('Item %(number)s') % {'number': int(key) + 1}}: ")
                else:
                    walk(inner, f"{field}.{key}" if field else str(key), label)
        elif isinstance(value, list | tuple):
            positional = any(isinstance(item, dict) for item in value)
            for index, item in enumerate(value):
                if positional:
                    if item:
                        walk(item, field, f"{label}{_('Item %(number)s') % {'number': index + 1}}: ")
                else:
                    walk(item, field, label)
        else:
            errors.setdefault(field or "non_field_errors", []).append(f"{label}{value}")

    walk(detail if isinstance(detail, dict) else {"non_field_errors": detail}, "", "")
    return errors


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("The request has too many fields or files."), code="too_many_fields")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, DomainError):
        exc = DomainRefused(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "detail": _("The request has invalid fields."), "errors": flatten_errors(exc.detail)}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = _first_code(detail) or getattr(exc, "default_code", "error")
        body = {"code": str(code), "detail": _first_message(detail)}
        if response.status_code == status.HTTP_400_BAD_REQUEST:
            # The documented 400 body always has `errors`; a parse error concerns the whole request.
            body["errors"] = {"non_field_errors": [body["detail"]]}
    request = context.get("request")
    request_id = getattr(request, "request_id", None) if request is not None else None
    if request_id:
        body["request_id"] = request_id
    headers = {name: response[name] for name in ("Retry-After", "WWW-Authenticate") if response.has_header(name)}
    if isinstance(exc, TokenAuthenticationFailed) and "WWW-Authenticate" in headers:
        # RFC 6750 §3.1: a presented but unusable token is an `invalid_token` challenge.
        headers["WWW-Authenticate"] += ', error="invalid_token"'
    return Response(body, status=response.status_code, headers=headers)
