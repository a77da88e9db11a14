"""Forms and list filters of the zone's browser pages.

The forms collect and type the input; the rules (registration numbers, roles, states, documents)
are checked by the model and the services, whose errors `add_service_errors` shows on the fields.
"""

import django_filters
from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.db.models import Q, UniqueConstraint
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from hetao.api.filters import BoundedDateFilter, BoundedDateFormField, DaysFilter
from hetao.forms import ServiceErrorsMixin
from hetao.limits import COMMENT_MAX, DAYS_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX
from hetao.models import User

from .. import services
from ..filtersets.whitelist import WhitelistApplicationFilterSet, WhitelistEntryFilterSet
from ..models import (
    WAITING_FOR_REVIEW,
    ApplicationComment,
    ApplicationDocument,
    ApplicationStatus,
    EntryStatus,
    Institution,
    Membership,
    WhitelistApplication,
    WhitelistScope,
)
from ..permissions import reviewers, reviewers_for

# The review queue shows the applications waiting for the zone (as the dashboard counts them)
# unless other statuses are chosen.
QUEUE_DEFAULT_STATUSES = list(WAITING_FOR_REVIEW)


def _date_input():
    # Browsers' date pickers need ISO dates whatever the page's language formats dates as.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _scope_checkboxes():
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


# --- registration and accounts ------------------------------------------------------------------


def _username_field():
    field = User._meta.get_field("username").formfield()
    field.widget.attrs.update({"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    return field


def _language_field():
    return forms.ChoiceField(
        label=_("Preferred language"),
        choices=settings.LANGUAGES,
        help_text=_("E-mails and notifications are sent to you in this language."),
    )


class RegistrationForm(ServiceErrorsMixin, SetPasswordMixin, forms.ModelForm):
    """An institution and the account of its first owner, registered together."""

    username = _username_field()
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("We send a link to this address; the account works once you have followed it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()
    language = _language_field()

    institution_fields = (
        "name_en",
        "name_zh_hans",
        "name_zh_hant",
        "kind",
        "jurisdiction",
        "registration_type",
        "registration_no",
    )
    account_fields = ("username", "email", "password1", "password2", "language")

    class Meta:
        model = Institution
        fields = [
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "kind",
            "jurisdiction",
            "registration_type",
            "registration_no",
        ]
        help_texts = {
            "registration_no": _(
                "Mainland: the 18-character Unified Social Credit Code. Hong Kong: the 8-digit Business "
                "Registration number, or the statutory-body identifier."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = translation.get_language()
        self.fields["registration_no"].widget.attrs.update({"autocapitalize": "characters", "spellcheck": "false"})

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        account = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
        self.validate_password_for_user(account)
        return cleaned

    def validate_constraints(self):
        # The model's constraints, with each error shown where the person can act on it.
        exclude = self._get_validation_exclusions()
        for constraint in Institution._meta.constraints:
            try:
                constraint.validate(Institution, self.instance, exclude=exclude)
            except ValidationError as error:
                self.add_error(
                    "registration_no" if isinstance(constraint, UniqueConstraint) else "registration_type", error
                )

    def institution_boundfields(self):
        return [self[name] for name in self.institution_fields]

    def account_boundfields(self):
        return [self[name] for name in self.account_fields]


class InvitedAccountForm(ServiceErrorsMixin, SetPasswordMixin, forms.Form):
    """An account for an invited person; the e-mail is the invited address, proven by the link."""

    username = _username_field()
    password1, password2 = SetPasswordMixin.create_password_fields()
    language = _language_field()

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["language"].initial = translation.get_language()

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        self.validate_password_for_user(User(username=cleaned.get("username", ""), email=self.email))
        return cleaned


class InvitationForm(ServiceErrorsMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.FILER,
        help_text=_("Owners manage members; filers file and change applications; viewers only read."),
    )


class VerifyFilingForm(forms.Form):
    filing_no = forms.RegexField(
        label=_("Filing number"),
        regex=r"(?i)^HTWL-\d{4}-\d{6}$",
        max_length=30,
        error_messages={"invalid": _("A filing number looks like HTWL-2025-000123.")},
        widget=forms.TextInput(attrs={"placeholder": "HTWL-2025-000123", "spellcheck": "false"}),
    )


# --- applications -------------------------------------------------------------------------------


class ApplicationForm(ServiceErrorsMixin, forms.Form):
    """The applicant's part of an application: what is asked for and why."""

    kind = forms.ChoiceField(label=_("Kind of application"), choices=WhitelistApplication.Kind.choices)
    requested_scopes = forms.MultipleChoiceField(
        label=_("Requested scopes"),
        choices=WhitelistScope.choices,
        widget=_scope_checkboxes(),
        required=False,
        help_text=_("Choose at least one before you submit."),
    )
    research_fields = forms.CharField(
        label=_("Research fields"),
        max_length=SHORT_TEXT_MAX,
        required=False,
        help_text=_("For example: biomedicine, quantum technology, artificial intelligence."),
    )
    justification = forms.CharField(
        label=_("Justification"),
        max_length=LONG_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why the institution needs the whitelist filing: the goods, funds or data that cross the lines."),
    )

    def service_arguments(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in ("kind", "requested_scopes", "research_fields", "justification")
        }


class ApplicationCreateForm(ApplicationForm):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none(), empty_label=None)

    field_order = ["institution", "kind", "requested_scopes", "research_fields", "justification"]

    def __init__(self, *args, institutions, preselect=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = institutions
        choices = list(institutions)
        self.single_institution = choices[0] if len(choices) == 1 else None
        if self.single_institution is not None:
            # One institution: nothing to choose; the page names it above the form.
            self.initial["institution"] = self.single_institution.pk
            field.widget = forms.HiddenInput()
        else:
            # Several: a visible choice, preselected from ?institution= when it is one of them.
            field.empty_label = _("Choose the institution")
            ids = {str(institution.pk) for institution in choices}
            if preselect is not None and str(preselect) in ids:
                self.initial["institution"] = int(preselect)


class DocumentForm(ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=ApplicationDocument.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, PNG or JPEG, at most %(limit)s MB.") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
    )

    # The service checks the file's content; a refusal without a field name is about the file.
    service_field_for_general_errors = "file"


class CommentForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class StaffCommentForm(CommentForm):
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=ApplicationComment.Visibility.choices,
        initial=ApplicationComment.Visibility.INTERNAL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The reviewers see it in the application's history."),
    )


# --- review -------------------------------------------------------------------------------------


class AssignForm(ServiceErrorsMixin, forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=User.objects.none())

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reviewer"]
        field.queryset = reviewers_for(application)
        field.label_from_instance = lambda user: (
            f"{user.get_full_name()} ({user.get_username()})" if user.get_full_name() else user.get_username()
        )
        field.initial = application.reviewer_id


class RequestChangesForm(ServiceErrorsMixin, forms.Form):
    message = forms.CharField(
        label=_("What the applicant must change"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant reads this message; it is also kept as a comment."),
    )


class ApproveForm(ServiceErrorsMixin, forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("Approved scopes"), choices=WhitelistScope.choices, widget=_scope_checkboxes()
    )
    valid_from = BoundedDateFormField(label=_("Valid from"), widget=_date_input())
    valid_until = BoundedDateFormField(
        label=_("Valid until"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave empty for the standard validity: three years from the first day, less one day."),
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=COMMENT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["scopes"].initial = list(application.requested_scopes)
        self.fields["valid_from"].initial = today
        self.fields["valid_until"].initial = services.default_valid_until(today)


class RejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The applicant reads this reason."),
    )


class EntryStatusForm(forms.Form):
    """Suspend, reinstate or revoke a whitelist entry; the reason goes to the institution's owners."""

    ACTIONS = {"suspend": _("Suspend"), "reinstate": _("Reinstate"), "revoke": _("Revoke")}

    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    reason = forms.CharField(label=_("Reason"), max_length=NOTE_MAX)


# --- list filters -------------------------------------------------------------------------------


class MemberApplicationFilterSet(WhitelistApplicationFilterSet):
    """The applications list of an institution's members: by status and kind."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices, empty_label=_("All"))
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=WhitelistApplication.Kind.choices, empty_label=_("All"))

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the member's own institutions are valid choices, so the filter reveals no others.
        self.filters["institution"].queryset = institutions


ASSIGNEE_NONE = "none"
ASSIGNEE_ME = "me"


def _assignee_choices():
    return [
        (ASSIGNEE_ME, _("Assigned to me")),
        (ASSIGNEE_NONE, _("Unassigned")),
        *((username, username) for username in reviewers().values_list("username", flat=True)),
    ]


class ReviewQueueFilterSet(WhitelistApplicationFilterSet):
    """The reviewers' queue: status (waiting for review by default), scope, assignee, waiting time, institution."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # Drafts never reach the queue: they are the applicant's until submitted.
        choices=[choice for choice in ApplicationStatus.choices if choice[0] != ApplicationStatus.DRAFT],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    scope = django_filters.ChoiceFilter(
        label=_("Requested scope"), choices=WhitelistScope.choices, method="filter_scope", empty_label=_("Any")
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), choices=_assignee_choices, method="filter_assignee", empty_label=_("Anyone")
    )
    older_than_days = DaysFilter(
        label=_("Waiting longer than (days)"),
        method="filter_older_than",
        widget=forms.NumberInput(attrs={"min": 0, "max": DAYS_MAX, "step": 1}),
    )
    q = django_filters.CharFilter(label=_("Institution"), method="filter_institution_name")

    def __init__(self, data, *args, **kwargs):
        # The filter form sends "filtered"; without it (a plain visit) the queue shows the open statuses.
        if "filtered" not in data and "status" not in data:
            data = data.copy()
            data.setlist("status", QUEUE_DEFAULT_STATUSES)
        super().__init__(data, *args, **kwargs)

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNEE_NONE:
            return queryset.filter(reviewer__isnull=True)
        if value == ASSIGNEE_ME:
            return queryset.filter(reviewer=self.request.user) if self.request else queryset.none()
        return queryset.filter(reviewer__username=value)

    def filter_institution_name(self, queryset, name, value):
        return queryset.filter(_institution_name_q(value.strip(), "institution__"))


def _institution_name_q(value: str, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}name_en__icontains": value})
        | Q(**{f"{prefix}name_zh_hans__icontains": value})
        | Q(**{f"{prefix}name_zh_hant__icontains": value})
        | Q(**{f"{prefix}registration_no__iexact": value})
    )


class RegistryFilterSet(WhitelistEntryFilterSet):
    """The whitelist registry for staff: status, scope, validity and the institution's name."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=EntryStatus.choices, empty_label=_("All"))
    scope = django_filters.ChoiceFilter(
        label=_("Scope"), choices=WhitelistScope.choices, method="filter_scope", empty_label=_("Any")
    )
    valid_on = BoundedDateFilter(label=_("Valid on"), method="filter_valid_on", widget=_date_input())
    expires_before = BoundedDateFilter(
        label=_("Expires before"), field_name="valid_until", lookup_expr="lt", widget=_date_input()
    )
    q = django_filters.CharFilter(label=_("Institution or filing number"), method="filter_q")

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(_institution_name_q(value, "institution__") | Q(filing_no__iexact=value))
