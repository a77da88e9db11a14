"""`Authorization: Bearer <token>` authentication for partner systems."""

import ipaddress
from datetime import timedelta

import pghistory
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from hetao.models import ApiToken, hash_token_secret
from hetao.principal import is_zone_staff
from hetao.tenancy import is_member

# Writing last_used_at on every request would make each read a write; once a minute is enough.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or the X-Forwarded-For entry our own proxies vouch for.

    Only the entries appended by the deployment's trusted reverse proxies (PROXY_COUNT, shared
    with the login lockout) are believed; anything to their left was written by the client.
    """
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return None
    return request.META.get("REMOTE_ADDR")


class TokenAuthenticationFailed(exceptions.AuthenticationFailed):
    """A presented bearer token was refused; answered 401 with an RFC 6750 `invalid_token` challenge."""


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate a partner system by the SHA-256 of its bearer secret.

    Revoked, expired, unknown tokens, tokens of inactive owners, tokens used from an address
    outside their allowed networks and bound tokens whose owner left the institution are all 401.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        # A header of whitespace only (Python's split() also splits on NEL and no-break space).
        if parts and parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise TokenAuthenticationFailed(
                _("Malformed Authorization header: use 'Bearer <token>'."), code="token_malformed"
            )
        token = (
            ApiToken.objects.select_related("owner", "institution")
            .filter(secret_hash=hash_token_secret(parts[1]))
            .first()
        )
        if token is None:
            raise TokenAuthenticationFailed(_("Invalid token."), code="token_invalid")
        if token.revoked_at is not None:
            raise TokenAuthenticationFailed(_("This token has been revoked."), code="token_revoked")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise TokenAuthenticationFailed(_("This token has expired."), code="token_expired")
        owner = token.owner
        if not owner.is_active:
            raise TokenAuthenticationFailed(_("The token's owner is inactive."), code="owner_inactive")
        ip = client_ip(request)
        if not token.ip_allowed(ip):
            raise TokenAuthenticationFailed(
                _("This token may not be used from this address."), code="token_ip_not_allowed"
            )
        if token.institution_id is not None and not is_zone_staff(owner) and not is_member(owner, token.institution_id):
            # A member who leaves the institution takes the institution's access with them.
            raise TokenAuthenticationFailed(
                _("The token's owner is no longer a member of its institution."), code="owner_not_member"
            )
        if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_GRANULARITY:
            # Conditional UPDATE: concurrent requests of the same token write at most once a minute.
            ApiToken.objects.filter(pk=token.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - _LAST_USED_GRANULARITY)
            ).update(last_used_at=now, last_used_ip=ip)
        # The audit trail names the token as well as its owner for changes made with it.
        pghistory.context(token=token.pk)
        return owner, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
