"""Forms and list filters of the data export pages: an institution's filing, the assessors' decisions,
and the negative-list editor. The forms collect and type the input; the services check the rules
(a country only abroad, the period's order, completeness at submission), and `add_service_errors`
shows their refusals on the fields."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from hetao.api.filters import BoundedDateFormField
from hetao.forms import ServiceErrorsMixin
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX

from ..filtersets.data_exports import DataExportFilingFilterSet
from ..models import DataCategory, Destination, ExportStatus, Institution, NegativeListEntry, Outcome
from ..models.data_exports import COUNT_MAX, REFERENCE_MAX
from ..workflow import EXPORT_WAITING

# The assessors' queue shows the filings waiting for the zone unless other statuses are chosen.
QUEUE_DEFAULT_STATUSES = list(EXPORT_WAITING)


def _date_input():
    # Browsers' date pickers need ISO dates whatever the page's language formats dates as.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _country_choices():
    return [("", _("— (only for a destination abroad)")), *countries]


def _count_field(label, help_text):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=COUNT_MAX,
        initial=0,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": 0, "max": COUNT_MAX, "step": 1, "inputmode": "numeric"}),
    )


class DataExportFilingForm(ServiceErrorsMixin, forms.Form):
    """What an institution files of a data export: the dataset, where it goes, why and how."""

    title = forms.CharField(label=_("Dataset title"), max_length=SHORT_TEXT_MAX)
    reference = forms.CharField(
        label=_("Your reference (optional)"),
        max_length=REFERENCE_MAX,
        required=False,
        help_text=_("Your own number for this filing; unique within your institution."),
    )
    description = forms.CharField(
        label=_("Dataset description"),
        max_length=LONG_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Every category the dataset contains: the negative list decides by category."),
    )
    record_count = _count_field(_("Number of records"), _("How many records the transfers contain in all."))
    person_count = _count_field(
        _("Number of persons concerned"), _("How many persons the personal information is about (0 if none).")
    )
    destination = forms.ChoiceField(
        label=_("Destination"),
        choices=Destination.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    destination_country = forms.ChoiceField(
        label=_("Country or region abroad"),
        choices=_country_choices,
        required=False,
        help_text=_("Only for a destination abroad."),
    )
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=SHORT_TEXT_MAX,
        required=False,
        help_text=_("Who receives the data: an institution and its department."),
    )
    purpose = forms.CharField(
        label=_("Purpose"), max_length=COMMENT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    channel = forms.CharField(
        label=_("Transfer channel"),
        max_length=SHORT_TEXT_MAX,
        required=False,
        help_text=_("For example: the zone's dedicated international data channel, an encrypted link."),
    )
    security_measures = forms.CharField(
        label=_("Security measures"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Encryption, de-identification, access control, the recipient's undertakings."),
    )
    period_start = BoundedDateFormField(label=_("Transfers from"), widget=_date_input())
    period_end = BoundedDateFormField(label=_("Transfers until"), widget=_date_input())

    def service_arguments(self) -> dict:
        names = [
            "title",
            "reference",
            "description",
            "categories",
            "record_count",
            "person_count",
            "destination",
            "destination_country",
            "recipient",
            "purpose",
            "channel",
            "security_measures",
            "period_start",
            "period_end",
        ]
        return {name: self.cleaned_data[name] for name in names}

    def precheck_arguments(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("categories", "record_count", "person_count", "destination", "destination_country")
        }


class DataExportFilingCreateForm(DataExportFilingForm):
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
        today = timezone.localdate()
        self.fields["period_start"].initial = today


class ExportWithdrawForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The assessor holding the filing reads it."),
    )


class ExportApproveForm(ServiceErrorsMixin, forms.Form):
    valid_until = BoundedDateFormField(
        label=_("Valid until"),
        required=False,
        widget=_date_input(),
        help_text=_("Leave empty for the end of the filed period."),
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=COMMENT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, filing, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_until"].initial = filing.period_end


class ExportRejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The institution reads this reason."),
    )


class NegativeListEntryForm(ServiceErrorsMixin, forms.ModelForm):
    """One entry of the negative list; the service checks and saves it."""

    min_records = forms.IntegerField(
        label=_("From this many records"),
        min_value=0,
        max_value=COUNT_MAX,
        required=False,
        help_text=_("Empty: any number."),
    )
    min_persons = forms.IntegerField(
        label=_("From this many persons concerned"),
        min_value=0,
        max_value=COUNT_MAX,
        required=False,
        help_text=_("Empty: any number."),
    )

    class Meta:
        model = NegativeListEntry
        fields = [
            "category",
            "min_records",
            "min_persons",
            "destinations",
            "outcome",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "active",
        ]
        labels = {
            "name_en": _("Reason (English)"),
            "name_zh_hans": _("Reason (简体中文)"),
            "name_zh_hant": _("Reason (繁體中文)"),
        }
        help_texts = {
            "name_en": _("Filers read the reason of every entry that applies to their filing, in their language."),
            "outcome": _("The strictest outcome among the entries that apply decides a filing."),
        }


# --- list filters -------------------------------------------------------------------------------


class MemberExportFilterSet(DataExportFilingFilterSet):
    """The filings list of an institution's members: by status."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=ExportStatus.choices, empty_label=_("All"))

    class Meta(DataExportFilingFilterSet.Meta):
        fields = []


def _institution_q(value: str) -> Q:
    return (
        Q(institution__name_en__icontains=value)
        | Q(institution__name_zh_hans__icontains=value)
        | Q(institution__name_zh_hant__icontains=value)
        | Q(institution__registration_no__iexact=value)
        | Q(number__iexact=value)
    )


class ExportQueueFilterSet(DataExportFilingFilterSet):
    """The assessors' queue: status (waiting by default), outcome, category, destination, institution."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # Drafts never reach the queue: they are the institution's until submitted.
        choices=[choice for choice in ExportStatus.choices if choice[0] != ExportStatus.DRAFT],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    outcome = django_filters.ChoiceFilter(label=_("Outcome"), choices=Outcome.choices, empty_label=_("Any"))
    category = django_filters.ChoiceFilter(
        label=_("Data category"), choices=DataCategory.choices, method="filter_category", empty_label=_("Any")
    )
    destination = django_filters.ChoiceFilter(label=_("Destination"), choices=Destination.choices, empty_label=_("Any"))
    q = django_filters.CharFilter(label=_("Institution or filing number"), max_length=SHORT_TEXT_MAX, method="filter_q")

    class Meta(DataExportFilingFilterSet.Meta):
        fields = []

    def __init__(self, data, *args, **kwargs):
        # The filter form sends "filtered"; without it (a plain visit) the queue shows the waiting filings.
        if "filtered" not in data and "status" not in data:
            data = data.copy()
            data.setlist("status", QUEUE_DEFAULT_STATUSES)
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(_institution_q(value)) if value else queryset


class NegativeListFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(label=_("Data category"), choices=DataCategory.choices, empty_label=_("Any"))
    active = django_filters.ChoiceFilter(
        label=_("Active"),
        choices=[("yes", _("Active entries")), ("no", _("Deactivated entries"))],
        method="filter_active",
        empty_label=_("All"),
    )

    class Meta:
        model = NegativeListEntry
        fields = []

    def filter_active(self, queryset, name, value):
        return queryset.filter(active=value == "yes")
