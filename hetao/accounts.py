"""E-mails about an account: the confirmation of a new account's address (its link, its token,
sending it again) and the link to choose a new password.

An account registered through the portal stays inactive until its owner follows the link; it
has never signed in. Accounts deactivated later by the administration are not "awaiting
confirmation", and no link activates them.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hetao.mail import absolute_url, send_templated_mail
from hetao.models import User


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Links in confirmation e-mails: a separate salt from password resets, and void once used."""

    # The salt is part of every link already sent: changing it voids them.
    key_salt = "hetao.zone.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.is_active}{timestamp}"


email_confirmation_tokens = EmailConfirmationTokenGenerator()


def awaiting_confirmation(user: User | None) -> bool:
    """An account whose owner has not yet followed the confirmation link of its registration."""
    return bool(user and not user.is_active and user.last_login is None and user.email)


def confirmation_path(user: User) -> str:
    return reverse(
        "account-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": email_confirmation_tokens.make_token(user),
        },
    )


def send_confirmation_email(user_id: int) -> bool:
    """Send a fresh confirmation link to an account awaiting confirmation; False when there is none."""
    user = User.objects.filter(pk=user_id).first()
    if not awaiting_confirmation(user):
        return False
    send_templated_mail(
        to=user.email,
        template="emails/confirm_email",
        context={"user": user, "link": absolute_url(confirmation_path(user))},
        language=user.language or settings.LANGUAGE_CODE,
    )
    return True


def send_password_reset_email(user_id: int, language: str) -> bool:
    """Send a link to choose a new password to an active account with an address, in the account's
    language (`language`, the page's, when it has none); False when there is no such account."""
    from django.contrib.auth.tokens import default_token_generator

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    send_templated_mail(
        to=user.email,
        template="emails/password_reset",
        context={"user": user, "link": absolute_url(path)},
        language=language,
    )
    return True
