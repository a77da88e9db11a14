"""Forms of the portal core's pages."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetao.accounts import awaiting_confirmation
from hetao.models import ApiScope, User


class ServiceErrorsMixin:
    """Show a service's ValidationError on the matching fields, or above the form."""

    # Service argument name -> form field name, where they differ.
    service_fields: dict[str, str] = {}
    # The field an error without a field name belongs to (None: above the form).
    service_field_for_general_errors: str | None = None

    def add_service_errors(self, error) -> None:
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                name = self.service_fields.get(key, key)
                field = name if name in self.fields else None
                for message in messages:
                    self.add_error(field, message)
        else:
            for message in error.messages:
                self.add_error(self.service_field_for_general_errors, message)


class ApiTokenForm(ServiceErrorsMixin, forms.Form):
    """A new API token. Staff choose any institution (or none); owners choose among their own."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Customs broker system”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=ApiScope.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Grant only what the partner system needs."),
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=None,  # the page gives the institutions the token may be bound to
        required=False,
        empty_label=_("None (zone-wide token)"),
        help_text=_("A token bound to an institution sees only that institution's records."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The token stops working at the end of this day (Asia/Shanghai). Leave empty for no expiry."),
    )
    allowed_ips = forms.CharField(
        label=_("Allowed IP addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One address or CIDR network per line, e.g. 203.0.113.0/24. Leave empty to allow any address."),
    )

    # Errors raised by the service under its own argument names, shown on these fields.
    service_fields = {"expires_at": "expires_on"}

    def __init__(self, *args, institutions, institution_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = institutions
        if institution_required:
            field.required = True
            field.empty_label = None
            if len(institutions) == 1:
                field.initial = institutions[0].pk
                field.disabled = True
        self.fields["expires_on"].initial = timezone.localdate() + timedelta(days=365)

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def clean_allowed_ips(self):
        return [line.strip() for line in self.cleaned_data.get("allowed_ips", "").splitlines() if line.strip()]

    @property
    def expires_at(self) -> datetime | None:
        day = self.cleaned_data.get("expires_on")
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class PortalAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, which also says when an account only awaits its e-mail confirmation.

    The special message is shown only to someone who gave the account's right password, so it
    reveals nothing to a stranger guessing usernames.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "unconfirmed": _(
            "Your e-mail address is not confirmed yet. When you registered we sent a confirmation link to "
            "%(email)s; open it to activate your account, or have the link sent again."
        ),
    }

    unconfirmed_user = None

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code != "invalid_login":
                raise
            user = User._default_manager.filter(username=self.cleaned_data.get("username") or "").first()
            if awaiting_confirmation(user) and user.check_password(self.cleaned_data.get("password") or ""):
                self.unconfirmed_user = user
                raise forms.ValidationError(
                    self.error_messages["unconfirmed"], code="unconfirmed", params={"email": mask_email(user.email)}
                ) from None
            raise


def mask_email(email: str) -> str:
    """o•••@example.org: enough for its owner to recognise, little for anyone else."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


class ConfirmAgainForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("The address you registered with."),
    )


class ProfileForm(ServiceErrorsMixin, forms.ModelForm):
    """A person's own name and the language of the e-mails and notifications they receive."""

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language"]
        help_texts = {"language": _("E-mails are sent to you in this language; the pages switch to it now.")}


class PortalPasswordResetForm(PasswordResetForm):
    """Django's form; the link goes out from a Celery task scheduled by the service, in the page's language."""

    def save(self, *args, **kwargs):
        from django.utils import translation

        from hetao.services import password_reset_request

        password_reset_request(email=self.cleaned_data["email"], language=translation.get_language())
