"""`Idempotency-Key` on POST creates: a repeat with the same body gets the original answer.

The record is written in the same transaction as the created object, under an advisory lock on
(principal, key), so two identical requests racing each other still create one object.
"""

import hashlib
import json
import re

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from hetao.models import ApiToken, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# Visible ASCII only: a key is an opaque token (a UUID, say), stored and compared as is.
_KEY_RE = re.compile(rf"^[!-~]{{1,{MAX_KEY_LENGTH}}}$")

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]+$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=str(
        _(
            "A key of your choosing (visible ASCII, at most 200 characters): a repeat with the same key and body "
            "answers the original result; the same key with another body is refused (422)."
        )
    ),
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used with a different request body.")


def _principal(request) -> str:
    if isinstance(request.auth, ApiToken):
        return f"token:{request.auth.pk}"
    return f"user:{request.user.pk}"


def _request_hash(request) -> str:
    if request.content_type and request.content_type.startswith("multipart/"):
        parts = {k: request.data.getlist(k) for k in sorted(request.data.keys()) if k not in request.FILES}
        files = {
            name: [hashlib.sha256(f.read()).hexdigest() for f in request.FILES.getlist(name)]
            for name in sorted(request.FILES.keys())
        }
        for name in request.FILES:
            for f in request.FILES.getlist(name):
                f.seek(0)
        payload = json.dumps({"data": parts, "files": files}, sort_keys=True, default=str)
    else:
        payload = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{payload}".encode()).hexdigest()


class IdempotentCreateMixin:
    """Mix into a viewset before CreateModelMixin; POST actions can wrap their body with `idempotent`
    (and name themselves in `idempotent_actions`, so the schema documents the 422)."""

    idempotent_actions = ("create",)

    def create(self, request, *args, **kwargs):
        return self.idempotent(request, lambda: super(IdempotentCreateMixin, self).create(request, *args, **kwargs))

    def idempotent(self, request, handler):
        key = request.headers.get(HEADER)
        if not key:
            return handler()
        if not _KEY_RE.match(key):
            raise exceptions.ValidationError(
                {HEADER: [_("An Idempotency-Key is 1 to 200 visible ASCII characters (no spaces).")]}
            )
        principal = _principal(request)
        digest = _request_hash(request)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{principal}|{key}"])
            record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
            if record is not None:
                if record.request_hash != digest:
                    raise IdempotencyKeyReused()
                response = Response(record.response_body, status=record.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
            response = handler()
            if 200 <= response.status_code < 300:
                IdempotencyRecord.objects.create(
                    principal=principal,
                    key=key,
                    method=request.method,
                    path=request.path[:300],
                    request_hash=digest,
                    status_code=response.status_code,
                    response_body=json.loads(json.dumps(response.data, default=str)),
                )
            return response
