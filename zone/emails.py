"""Invitation e-mails, rendered in the inviter's language as plain text."""

from django.urls import reverse
from django.utils import timezone

from hetao.mail import absolute_url, send_templated_mail

from .models import Invitation


def send_invitation_email(invitation_id: int, language: str) -> bool:
    """Send a pending invitation's link; False when it is accepted, expired or gone."""
    from .services.institutions import invitation_secret

    invitation = Invitation.objects.select_related("institution", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        return False
    if not invitation.nonce:
        return False  # an invitation from before links were derived: its secret was never stored
    secret = invitation_secret(invitation.nonce)
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
    return True
