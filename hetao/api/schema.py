"""OpenAPI documentation of the API's cross-cutting behaviour: bearer tokens and error answers.

`AutoSchema` adds the error responses every operation can give (400, 401, 403, 404, 413, 415, 429) with
the JSON error body of `hetao.api.exceptions`, so a generated client knows their shape. Every
operation may answer 400: any request is refused when its path or query holds a NUL character or
text that is not UTF-8.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
from rest_framework import permissions, serializers


class ApiErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Machine-readable error code, e.g. not_found or token_expired."))
    detail = serializers.CharField(help_text=_("Human-readable message in the request's language."))
    request_id = serializers.CharField(
        required=False, help_text=_("The request's id (X-Request-ID), to quote when reporting a problem.")
    )

    class Meta:
        ref_name = "ApiError"


class ApiValidationErrorSerializer(ApiErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_(
            "Messages per field, always flat: non_field_errors for the request as a whole, "
            "“Item N: …” messages for a list's items, “parent.field” keys for a nested object's fields."
        ),
    )

    class Meta:
        ref_name = "ApiValidationError"


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hetao.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(
                _("An API token: `Authorization: Bearer htz_…`. It carries scopes and may be bound to an institution.")
            ),
        }


_RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": str(_("Seconds to wait before retrying."))}
}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"schema": {"type": "string"}, "description": str(_("The authentication challenge."))}
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with the API's error answers documented on every operation."""

    def _error_statuses(self):
        view = self.view
        is_public = any(isinstance(p, permissions.AllowAny) for p in view.get_permissions())
        statuses = [("400", ApiValidationErrorSerializer, _("Invalid request: see the field messages."))]
        if not is_public:
            statuses.append(("401", ApiErrorSerializer, _("Missing, unknown, expired or revoked token.")))
            statuses.append(("403", ApiErrorSerializer, _("The token lacks the scope, or the user the role.")))
        if "{" in self.path:
            statuses.append(("404", ApiErrorSerializer, _("No such object, or not visible to you.")))
        if self.method not in permissions.SAFE_METHODS:
            statuses.append(("413", ApiErrorSerializer, _("The request body is over the size limit.")))
            statuses.append(("415", ApiErrorSerializer, _("The body's content type is not accepted here.")))
        if self._is_idempotent():
            statuses.append(
                ("422", ApiErrorSerializer, _("The Idempotency-Key was already used with another request body."))
            )
        if view.get_throttles():
            statuses.append(("429", ApiErrorSerializer, _("Too many requests: wait Retry-After seconds.")))
        return statuses

    def _is_idempotent(self) -> bool:
        """POST operations that honour an Idempotency-Key: creates, and views that wrap their body."""
        from hetao.api.idempotency import IdempotentCreateMixin

        if self.method != "POST" or not isinstance(self.view, IdempotentCreateMixin):
            return False
        action = getattr(self.view, "action", None)
        return action is None or action in self.view.idempotent_actions

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, serializer, description in self._error_statuses():
            if status in responses:
                continue
            response = self._get_response_for_code(serializer, status, direction=direction)
            response["description"] = str(description)
            if status == "429":
                response["headers"] = {**response.get("headers", {}), **_RETRY_AFTER}
            elif status == "401":
                response["headers"] = {**response.get("headers", {}), **_WWW_AUTHENTICATE}
            responses[status] = response
        return responses


class BoundedDecimalFieldExtension(OpenApiSerializerFieldExtension):
    """A decimal's schema with the longest text it accepts (`hetao.api.fields.BoundedDecimalField`)."""

    target_class = "hetao.api.fields.BoundedDecimalField"

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if schema.get("type") == "string":
            schema["maxLength"] = self.target.max_text_length
        return schema
