"""Institutions and their members: registration, invitations, roles."""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.errors import NotAllowed
from hetao.models import User
from hetao.services import user_create
from hetao.tasks import send_confirmation_email

from ..models import (
    Institution,
    Invitation,
    Membership,
)
from ..permissions import member_role
from ..tasks import send_invitation_email

INVITATION_VALIDITY = timedelta(days=14)

# --- institutions and members -----------------------------------------------------------------


@transaction.atomic
def institution_register(
    *, institution: Institution, username: str, email: str, password: str, language: str = "en"
) -> tuple[Institution, User]:
    """Register an institution and its first owner, who stays inactive until the e-mail is confirmed."""
    institution.full_clean()
    user = user_create(username=username, email=email, password=password, language=language)
    user.is_active = False
    user.save(update_fields=["is_active"])
    try:
        with transaction.atomic():
            institution.save()
    except IntegrityError:
        raise ValidationError(
            {"registration_no": _("An institution with this registration number is already registered.")}
        ) from None
    membership_set(user=user, institution=institution, role=Membership.Role.OWNER)
    # The confirmation link goes out after the commit; the registration stands if the mail server is down.
    send_confirmation_email.delay_on_commit(user.pk)
    return institution, user


@transaction.atomic
def membership_set(*, user: User, institution: Institution, role: str) -> Membership:
    """Give a user a role in an institution (or change it)."""
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, institution=institution, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def invitation_create(
    *, institution: Institution, email: str, role: str, actor: User, language: str = "en"
) -> tuple[Invitation, str]:
    """An owner invites a person by e-mail (written in `language`); returns the invitation and the
    secret of its link, which the e-mail carries."""
    if member_role(actor, institution.pk) != Membership.Role.OWNER:
        raise NotAllowed(_("Only an owner of the institution can invite members."))
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    email = email.strip().lower()
    if Membership.objects.filter(institution=institution, user__email__iexact=email).exists():
        raise ValidationError({"email": _("A member of the institution already uses this e-mail address.")})
    nonce = secrets.token_hex(16)
    secret = invitation_secret(nonce)
    invitation = Invitation.objects.create(
        institution=institution,
        email=email,
        role=role,
        invited_by=actor,
        nonce=nonce,
        token_hash=hashlib.sha256(secret.encode()).hexdigest(),
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    send_invitation_email.delay_on_commit(invitation.pk, language)
    return invitation, secret


def invitation_secret(nonce: str) -> str:
    """The secret of an invitation's link: derived from its stored nonce and the portal's secret key,
    so the e-mail task can write the link again while the database alone cannot."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"hetao.invitation:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invitation_for_secret(secret: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("institution")
        .filter(token_hash=hashlib.sha256(secret.encode()).hexdigest())
        .first()
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, secret: str, user: User) -> Membership:
    """The invited person, signed in, accepts: they become a member in the invited role."""
    invitation = invitation_for_secret(secret)
    if invitation is None:
        raise ValidationError(_("This invitation is unknown, already used or expired."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation is unknown, already used or expired."))
    # The link proves control of the invited address only: another account may not use it.
    if (user.email or "").strip().lower() != invitation.email:
        raise ValidationError(
            _("This invitation was sent to %(email)s; sign in with the account that uses that address.")
            % {"email": invitation.email}
        )
    # Accepting never changes an existing role (an owner could otherwise demote themselves).
    if Membership.objects.filter(user=user, institution=invitation.institution).exists():
        raise ValidationError(_("You are already a member of this institution."))
    membership = membership_set(user=user, institution=invitation.institution, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_accept_with_new_account(*, secret: str, username: str, password: str, language: str) -> Membership:
    """An invited person without an account creates one and accepts: the link proves the address,
    so the account is active at once."""
    invitation = invitation_for_secret(secret)
    if invitation is None:
        raise ValidationError(_("This invitation is unknown, already used or expired."))
    user = user_create(username=username, email=invitation.email, password=password, language=language)
    return invitation_accept(secret=secret, user=user)


@transaction.atomic
def membership_remove(*, membership_id: int, actor: User | None = None) -> None:
    """Take a member out of an institution (their tokens bound to it stop working at once)."""
    Membership.objects.filter(pk=membership_id).delete()


@transaction.atomic
def institution_save(*, instance: Institution, actor: User | None = None) -> Institution:
    """Create or change an institution as staff edit it: the registration number is normalised and
    checked (GB 32100-2015 for a USCC) and must be unique."""
    instance.full_clean()
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ValidationError(
            {"registration_no": _("An institution with this registration number is already registered.")}
        ) from None
    return instance


@transaction.atomic
def reference_save(*, instance, actor: User | None = None):
    """Create or change a record of the zone's reference data (a park, a site), validated by its model."""
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def reference_delete(*, instance, actor: User | None = None) -> None:
    """Delete a record of the reference data; records still referred to are protected by the database."""
    instance.delete()
