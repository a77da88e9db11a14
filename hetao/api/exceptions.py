"""JSON errors with a machine-readable `code` and field-level messages."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hetao.errors import DomainError


class Conflict(exceptions.APIException):
    """An action that the object's current state does not allow (invalid workflow transition)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "invalid_state"
    default_detail = "This action is not allowed in the object's current state."


def _domain_to_api(error: DomainError) -> exceptions.APIException:
    """Services raise DomainError subclasses; the API answers with their status and code."""
    api_error = exceptions.APIException(detail=str(error.message), code=error.code)
    api_error.status_code = error.status_code
    return api_error


def _first_code(detail):
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_code(value)
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    return getattr(detail, "code", None)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        exc = _domain_to_api(exc)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "detail": _("The request has invalid fields."),
            "errors": exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail},
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = _first_code(detail) or getattr(exc, "default_code", "error")
        body = {"code": code, "detail": detail if isinstance(detail, str) else str(detail)}
    request = context.get("request")
    if request is not None and getattr(request, "request_id", None):
        body["request_id"] = request.request_id
    headers = {name: response[name] for name in ("Retry-After", "WWW-Authenticate") if response.has_header(name)}
    return Response(body, status=response.status_code, headers=headers)
