"""`Authorization: Bearer <token>` authentication for partner systems."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from hetao.models import ApiToken, hash_token_secret

# Writing last_used_at on every request would make each read a write; once a minute is enough.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header: use 'Bearer <token>'."))
        token = (
            ApiToken.objects.select_related("owner", "institution")
            .filter(secret_hash=hash_token_secret(parts[1]))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."), code="token_invalid")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."), code="token_revoked")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."), code="token_expired")
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed(_("The token's owner is inactive."), code="owner_inactive")
        ip = request.META.get("REMOTE_ADDR")
        if not token.ip_allowed(ip):
            raise exceptions.AuthenticationFailed(
                _("This token may not be used from this address."), code="token_ip_not_allowed"
            )
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        return token.owner, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
