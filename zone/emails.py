"""Invitation e-mails, rendered in the inviter's language as plain text."""

from django.urls import reverse

from hetao.mail import absolute_url, send_templated_mail

from .models_whitelist import Invitation


def send_invitation_email(invitation_id: int, secret: str, language: str) -> None:
    """Send an invitation's link (its secret is known only here and in the e-mail)."""
    invitation = Invitation.objects.select_related("institution", "invited_by").filter(pk=invitation_id).first()
    if invitation is None:
        return
    from django.utils import translation

    with translation.override(language):
        context = {
            "invitation": invitation,
            "institution_name": invitation.institution.name,
            "role": invitation.get_role_display(),
            "inviter": invitation.invited_by.get_full_name() or invitation.invited_by.get_username(),
            "link": absolute_url(reverse("invitation", kwargs={"secret": secret})),
            "expires_at": invitation.expires_at,
        }
    send_templated_mail(to=invitation.email, template="emails/invitation", context=context, language=language)
