"""Forms and list filters of the registered persons pages (institution portal and staff).

The forms collect and type the input; the services check the rules (document numbers, validity,
the whitelist's personnel scope) and `add_service_errors` shows their refusals on the fields.
A typed document number is never written back into a page: after an error it is typed again.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from hetao.api.filters import BoundedDateFormField
from hetao.forms import ServiceErrorsMixin
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX

from ..filtersets.people import RegisteredPersonFilterSet
from ..models import Institution, PersonStatus, TravelDocumentType
from ..services.people import NAME_EN_MAX, NAME_ZH_MAX
from ..validators import DOCUMENT_NUMBER_MAX


def _date_input():
    # Browsers' date pickers need ISO dates whatever the page's language formats dates as.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DocumentNumberInput(forms.TextInput):
    """A text input that never renders a value: a document number typed once is not sent back."""

    def format_value(self, value):
        return None


def document_number_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Travel document number"),
        max_length=DOCUMENT_NUMBER_MAX,
        widget=DocumentNumberInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        **kwargs,
    )


def _country_choices():
    return [("", _("Choose the nationality")), *((code, name) for code, name in countries)]


class PersonForm(ServiceErrorsMixin, forms.Form):
    """A registered person's fields, as the institution gives them."""

    name_en = forms.CharField(
        label=_("Name (English)"), max_length=NAME_EN_MAX, help_text=_("As in the travel document.")
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=NAME_ZH_MAX, required=False)
    document_type = forms.ChoiceField(label=_("Travel document type"), choices=TravelDocumentType.choices)
    document_number = document_number_field(
        help_text=_(
            "Mainland resident ID: 18 characters; Hong Kong ID: e.g. A123456(3); Mainland Travel Permit: H or M and "
            "8 or 10 digits; passport: 5 to 20 letters and digits. It is stored encrypted and shown as its last "
            "four characters only; if the form comes back with errors, type it again."
        )
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=_country_choices)
    position = forms.CharField(
        label=_("Position"),
        max_length=SHORT_TEXT_MAX,
        required=False,
        help_text=_("For example: postdoctoral researcher, laboratory manager."),
    )
    valid_from = BoundedDateFormField(label=_("Valid from"), widget=_date_input())
    valid_until = BoundedDateFormField(label=_("Valid until"), widget=_date_input())
    designated_carrier = forms.BooleanField(
        label=_("Designated carrier"),
        required=False,
        help_text=_("May hand-carry instruments, reagents, consumables and samples through the No. 1 Channel."),
    )

    def __init__(self, *args, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if person is not None:
            field = self.fields["document_number"]
            field.required = False
            field.help_text = _(
                "Leave empty to keep the number ending in %(last4)s; a new document type needs its number."
            ) % {"last4": person.document_last4}
        else:
            self.fields["nationality"].initial = "CN"
            self.fields["valid_from"].initial = timezone.localdate()

    def service_arguments(self) -> dict:
        names = ["name_en", "name_zh", "document_type", "nationality", "position", "valid_from", "valid_until"]
        arguments = {name: self.cleaned_data[name] for name in names}
        arguments["designated_carrier"] = self.cleaned_data["designated_carrier"]
        if self.cleaned_data.get("document_number"):
            arguments["document_number"] = self.cleaned_data["document_number"]
        return arguments


class PersonCreateForm(PersonForm):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none(), empty_label=None)

    field_order = ["institution"]

    def __init__(self, *args, institutions, preselect=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["institution"]
        field.queryset = institutions
        choices = list(institutions)
        self.single_institution = choices[0] if len(choices) == 1 else None
        if self.single_institution is not None:
            self.initial["institution"] = self.single_institution.pk
            field.widget = forms.HiddenInput()
        else:
            field.empty_label = _("Choose the institution")
            if preselect is not None and str(preselect) in {str(institution.pk) for institution in choices}:
                self.initial["institution"] = int(preselect)


# --- decisions ----------------------------------------------------------------------------------


class PersonApproveForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The institution reads this note."),
    )


class PersonRejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The institution reads this reason."),
    )


class PersonSuspendForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the suspension"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The institution reads this reason. Passage checks answer “not valid” from now on."),
    )


class PersonReinstateForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Note (optional)"), max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --- list filters -------------------------------------------------------------------------------


class MemberPersonFilterSet(RegisteredPersonFilterSet):
    """The institution's persons: by status and name."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=PersonStatus.choices, empty_label=_("All"))
    q = django_filters.CharFilter(label=_("Name or position"), method="filter_q", max_length=200)

    class Meta(RegisteredPersonFilterSet.Meta):
        fields = []


# The staff queue shows the persons waiting for a decision unless other statuses are chosen.
STAFF_DEFAULT_STATUSES = [PersonStatus.SUBMITTED]


class StaffPersonFilterSet(RegisteredPersonFilterSet):
    """The staff list of registered persons: status (waiting by default), institution, document."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # Drafts are the institution's until submitted.
        choices=[choice for choice in PersonStatus.choices if choice[0] != PersonStatus.DRAFT],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    document_type = django_filters.ChoiceFilter(
        label=_("Travel document type"), choices=TravelDocumentType.choices, empty_label=_("Any")
    )
    designated_carrier = django_filters.BooleanFilter(
        label=_("Designated carrier"),
        widget=forms.Select(choices=[("", _("Any")), ("true", _("Yes")), ("false", _("No"))]),
    )
    document_last4 = django_filters.CharFilter(
        label=_("Document number ends with"), method="filter_last4", max_length=4
    )
    q = django_filters.CharFilter(label=_("Name or position"), method="filter_q", max_length=200)
    institution_name = django_filters.CharFilter(
        label=_("Institution"), method="filter_institution_name", max_length=200
    )

    class Meta(RegisteredPersonFilterSet.Meta):
        fields = []

    def __init__(self, data, *args, **kwargs):
        # The filter form sends "filtered"; without it (a plain visit) the list shows those waiting.
        if "filtered" not in data and "status" not in data:
            data = data.copy()
            data.setlist("status", STAFF_DEFAULT_STATUSES)
        super().__init__(data, *args, **kwargs)

    def filter_institution_name(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(institution__name_en__icontains=value)
            | Q(institution__name_zh_hans__icontains=value)
            | Q(institution__name_zh_hant__icontains=value)
            | Q(institution__registration_no__iexact=value)
        )
