"""Business operations on accounts, memberships and API tokens.

Every interface (staff pages, admin, management commands, API) calls these functions, so each
rule is enforced once. Each is atomic and leaves its audit trail through the tracked models.
"""

import ipaddress
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.models import ApiScope, ApiToken, User, hash_token_secret
from hetao.principal import is_zone_staff
from hetao.roles import ROLE_PERMISSIONS
from hetao.tenancy import is_member


def _check_scopes(scopes: list[str]) -> list[str]:
    known = {s.value for s in ApiScope}
    unknown = sorted(set(scopes) - known)
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown scope(s): %(unknown)s. Known scopes: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))}
            }
        )
    if not scopes:
        raise ValidationError({"scopes": _("Choose at least one scope.")})
    return sorted(set(scopes))


def _check_networks(networks: list[str]) -> list[str]:
    cleaned = []
    for net in networks:
        try:
            cleaned.append(str(ipaddress.ip_network(net.strip(), strict=False)))
        except ValueError:
            raise ValidationError(
                {"allowed_ips": _("“%(value)s” is not an IP address or CIDR network.") % {"value": net}}
            ) from None
    return cleaned


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    staff_role: str | None = None,
    language: str = "en",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a person's account; a staff role makes them zone staff in that role's group."""
    if staff_role is not None and staff_role not in ROLE_PERMISSIONS:
        raise ValidationError(
            {
                "staff_role": _("Unknown staff role “%(role)s”. Roles: %(roles)s.")
                % {"role": staff_role, "roles": ", ".join(ROLE_PERMISSIONS)}
            }
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with this username already exists.")})
    user = User(
        username=username,
        email=email,
        language=language,
        first_name=first_name,
        last_name=last_name,
        is_staff=staff_role is not None,
    )
    if password:
        from django.contrib.auth.password_validation import validate_password

        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if staff_role is not None:
        user.groups.add(Group.objects.get(name=staff_role))
    return user


@transaction.atomic
def api_token_create(
    *,
    owner: User,
    name: str,
    scopes: list[str],
    institution=None,
    expires_at: datetime | None = None,
    allowed_ips: list[str] | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret; the secret is never stored or shown again."""
    scopes = _check_scopes(list(scopes))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    is_staff = is_zone_staff(owner)
    if institution is not None and not is_staff and not is_member(owner, institution.pk):
        raise ValidationError({"institution": _("The owner is not a member of this institution.")})
    if institution is None and not is_staff:
        raise ValidationError(
            {"institution": _("A token of an institution member must be bound to one of their institutions.")}
        )
    secret = ApiToken.generate_secret()
    token = ApiToken(
        owner=owner,
        name=name.strip(),
        scopes=scopes,
        institution=institution,
        expires_at=expires_at,
        allowed_ips=_check_networks(allowed_ips or []),
        created_by=created_by,
        key_prefix=secret[: len(settings.API_TOKEN_PREFIX) + 6],
        secret_hash=hash_token_secret(secret),
    )
    token.full_clean(exclude=["secret_hash", "key_prefix"])
    token.save()
    return token, secret


@transaction.atomic
def api_token_revoke(*, token_id: int, actor: User) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first revocation."""
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


_UNCHANGED = object()
_USER_FIELDS = {"first_name", "last_name", "email", "language", "is_active", "is_staff", "is_superuser"}


@transaction.atomic
def user_update(*, user_id: int, fields: dict | None = None, staff_role=_UNCHANGED, password_hash=_UNCHANGED) -> User:
    """Change an account: its own fields, its staff role (None: no role), its password given as a hash
    (None: no usable password). Only what differs is written."""
    fields = dict(fields or {})
    unknown = set(fields) - _USER_FIELDS
    if unknown:
        raise ValueError(f"user_update cannot change {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user_id)
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name])
    if password_hash is not _UNCHANGED:
        if password_hash is None:
            user.set_unusable_password()
        else:
            user.password = password_hash
        changed.append("password")
    if changed:
        user.full_clean(exclude=["password"], validate_unique=False)
        user.save(update_fields=changed)
    if staff_role is not _UNCHANGED:
        if staff_role is not None and staff_role not in ROLE_PERMISSIONS:
            raise ValidationError({"staff_role": _("Unknown staff role “%(role)s”.") % {"role": staff_role}})
        user.groups.set([Group.objects.get(name=staff_role)] if staff_role else [])
    return user


@transaction.atomic
def user_save(*, instance: User, actor: User | None = None) -> User:
    """Save an account edited as a whole (the admin's user form): validated like every account."""
    instance.full_clean(exclude=["password"], validate_unique=instance.pk is None)
    instance.save()
    return instance


@transaction.atomic
def user_confirm_email(*, user_id: int) -> User:
    """Activate an account whose owner followed the confirmation link."""
    user = User.objects.select_for_update().get(pk=user_id)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_update_profile(*, user_id: int, first_name: str, last_name: str, language: str) -> User:
    """A person changes their own name and preferred language."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    user = User.objects.select_for_update().get(pk=user_id)
    user.first_name, user.last_name, user.language = first_name.strip(), last_name.strip(), language
    user.full_clean(exclude=["password"], validate_unique=False)
    user.save(update_fields=["first_name", "last_name", "language"])
    return user


# A confirmation link is sent again at most once a minute per account, whoever asks.
CONFIRMATION_RESEND_INTERVAL = 60


def confirmation_email_request(*, user_id: int) -> bool:
    """Schedule a new confirmation link for an account awaiting confirmation; False when there is
    none or one was asked for less than a minute ago (the address's owner is not flooded)."""
    from django.core.cache import cache

    from hetao.accounts import awaiting_confirmation
    from hetao.tasks import send_confirmation_email

    user = User.objects.filter(pk=user_id).first()
    if not awaiting_confirmation(user):
        return False
    if not cache.add(f"confirm-again:{user.pk}", 1, timeout=CONFIRMATION_RESEND_INTERVAL):
        return False
    send_confirmation_email.delay_on_commit(user.pk)
    return True


def password_reset_request(*, email: str, language: str) -> int:
    """Schedule a link to choose a new password for each active account with this address (at most
    one a minute per account); the answer to the person is the same whether there is one or not."""
    from django.core.cache import cache

    from hetao.tasks import send_password_reset_email

    scheduled = 0
    for user in User.objects.filter(email__iexact=email.strip(), is_active=True)[:5]:
        if user.has_usable_password() and cache.add(f"password-reset:{user.pk}", 1, timeout=60):
            send_password_reset_email.delay_on_commit(user.pk, language)
            scheduled += 1
    return scheduled


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read; reading twice keeps the first time."""
    from hetao.models import Notification

    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
