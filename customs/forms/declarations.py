"""Forms and list filters of the declaration pages: a declaration's header and its items (a formset
that works without JavaScript), the officers' steps, the lists of declarations and bonded stock.

The forms type the input; `customs.services.declarations` checks it whole and answers every
problem on its field — `items.2.quantity` for an item's — which `DeclarationInput` puts next to
the field of the second item sent.
"""

from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from hetao.api.filters import BoundedDateFormField, DaysFilter
from hetao.forms import ServiceErrorsMixin
from hetao.limits import COMMENT_MAX, DAYS_MAX, NOTE_MAX, SHORT_TEXT_MAX
from zone.models import EntryStatus, Institution, PersonStatus, RegisteredPerson

from ..choices import Currency, Direction, ItemCategory, Lane, TransportMode, Unit
from ..models import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Checkpoint,
    Declaration,
    DeclarationStatus,
    Line,
    StockBalance,
)
from ..services.checks import HEADER_FIELDS, ITEM_FIELDS, ITEMS_MAX
from ..workflow import WAITING

ITEMS_PREFIX = "items"
# Blank item rows a page offers; "Add more item rows" offers this many more. Blank rows are ignored.
ITEM_ROWS_EXTRA = 3
# An HS code as typed: digits with dots or spaces between the pairs ("9027.20.10.90").
HS_CODE_INPUT_MAX = 32
NUMBER_MAX = 20  # HTCD-YYYY-NNNNNNN


def _date_input():
    # Browsers' date pickers need ISO dates whatever the page's language formats dates as.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _with_blank(label, choices):
    return [("", label), *choices]


def _origin_choices():
    return _with_blank(_("Choose the country"), list(countries))


class CheckpointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.name} — {Line(obj.line).label}"


class CarrierChoiceField(forms.ModelChoiceField):
    """Designated carriers, with their institution when the filer files for several."""

    show_institution = False

    def label_from_instance(self, obj):
        label = f"{obj.name_en} ({obj.masked_document})"
        return f"{label} · {obj.institution.name}" if self.show_institution else label


class DeclarationForm(ServiceErrorsMixin, forms.Form):
    """A declaration's header, as the declarant gives it."""

    reference = forms.CharField(
        label=_("Your reference (optional)"),
        max_length=REFERENCE_MAX,
        required=False,
        help_text=_("Your own number for this declaration; unique within your institution."),
    )
    line = forms.ChoiceField(label=_("Line"), choices=_with_blank(_("Choose the line"), Line.choices))
    direction = forms.ChoiceField(
        label=_("Direction"), choices=_with_blank(_("Choose the direction"), Direction.choices)
    )
    receiving_institution = forms.ModelChoiceField(
        label=_("Receiving institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("— (only for a movement inside the park)"),
        help_text=_("For a movement inside the park: the whitelisted institution that receives the goods."),
    )
    checkpoint = CheckpointChoiceField(
        label=_("Checkpoint"), queryset=Checkpoint.objects.none(), empty_label=_("Choose the checkpoint")
    )
    planned_date = BoundedDateFormField(
        label=_("Planned date"), widget=_date_input(), help_text=_("The day the goods cross.")
    )
    transport_mode = forms.ChoiceField(
        label=_("Transport mode"), choices=_with_blank(_("Choose how the goods travel"), TransportMode.choices)
    )
    carrier = CarrierChoiceField(
        label=_("Carrier"),
        queryset=RegisteredPerson.objects.none(),
        required=False,
        empty_label=_("— (only for hand-carried goods)"),
        help_text=_("Hand-carried goods name their carrier: an approved designated carrier of your institution."),
    )
    consolidated = forms.BooleanField(
        label=_("Consolidated declaration"),
        required=False,
        help_text=_("One declaration for the movements of a period."),
    )
    period_start = BoundedDateFormField(
        label=_("Consolidated from"), required=False, widget=_date_input(), help_text=_("Only when consolidated.")
    )
    period_end = BoundedDateFormField(
        label=_("Consolidated until"), required=False, widget=_date_input(), help_text=_("Only when consolidated.")
    )

    def __init__(self, *args, institutions, declaration: Declaration | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        institution_ids = list(institutions.values_list("pk", flat=True))
        checkpoint = declaration.checkpoint_id if declaration else None
        self.fields["checkpoint"].queryset = Checkpoint.objects.filter(Q(active=True) | Q(pk=checkpoint)).order_by(
            "line", "code"
        )
        # Only the institutions of the whitelist registry, which is public: the page names no other.
        receiver = declaration.receiving_institution_id if declaration else None
        self.fields["receiving_institution"].queryset = (
            Institution.objects.filter(Q(whitelist_entries__status=EntryStatus.ACTIVE) | Q(pk=receiver))
            .distinct()
            .order_by("name_en")
        )
        carrier = declaration.carrier_id if declaration else None
        carriers = self.fields["carrier"]
        carriers.queryset = (
            RegisteredPerson.objects.filter(
                Q(institution_id__in=institution_ids, designated_carrier=True, status=PersonStatus.APPROVED)
                | Q(pk=carrier)
            )
            .select_related("institution")
            .order_by("name_en", "pk")
        )
        carriers.show_institution = len(institution_ids) > 1
        if declaration is None:
            self.fields["planned_date"].initial = timezone.localdate()

    def service_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in HEADER_FIELDS}


class DeclarationCreateForm(DeclarationForm):
    institution = forms.ModelChoiceField(label=_("Declarant"), queryset=Institution.objects.none(), empty_label=None)

    field_order = ["institution"]

    def __init__(self, *args, institutions, preselect=None, **kwargs):
        super().__init__(*args, institutions=institutions, **kwargs)
        field = self.fields["institution"]
        field.queryset = institutions
        choices = list(institutions)
        self.single_institution = choices[0] if len(choices) == 1 else None
        if self.single_institution is not None:
            self.initial.setdefault("institution", self.single_institution.pk)
            field.widget = forms.HiddenInput()
        else:
            field.empty_label = _("Choose the institution")
            if preselect is not None and str(preselect) in {str(institution.pk) for institution in choices}:
                self.initial.setdefault("institution", int(preselect))


class ItemForm(forms.Form):
    """One item of goods. Left blank, an added row is ignored."""

    hs_code = forms.CharField(
        label=_("HS code"),
        max_length=HS_CODE_INPUT_MAX,
        help_text=_("6, 8 or 10 digits; dots and spaces are ignored."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "font-monospace"}),
    )
    description = forms.CharField(label=_("Description of the goods"), max_length=SHORT_TEXT_MAX)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    unit = forms.ChoiceField(label=_("Unit"), choices=_with_blank(_("Choose the unit"), Unit.choices))
    value = forms.DecimalField(label=_("Value"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES)
    currency = forms.ChoiceField(label=_("Currency"), choices=_with_blank(_("Choose the currency"), Currency.choices))
    origin = forms.ChoiceField(label=_("Country of origin"), choices=_origin_choices)
    category = forms.ChoiceField(
        label=_("Category"), choices=_with_blank(_("Choose the category"), ItemCategory.choices)
    )
    permit_reference = forms.CharField(
        label=_("Permit reference"),
        max_length=PERMIT_MAX,
        required=False,
        help_text=_("Controlled goods cross only with a permit."),
    )


class BaseItemFormSet(forms.BaseFormSet):
    def sent_forms(self) -> list[forms.Form]:
        """The item forms the declaration keeps, in order: neither blank added rows nor removed ones."""
        return [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]


def item_formset(extra: int = ITEM_ROWS_EXTRA):
    return forms.formset_factory(
        ItemForm,
        formset=BaseItemFormSet,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
        max_num=ITEMS_MAX,
        validate_max=True,
        # A posted form count beyond this is refused, not built.
        absolute_max=ITEMS_MAX,
    )


def item_initial(item) -> dict:
    """A saved item as its form's initial values."""
    initial = {name: getattr(item, name) for name in ITEM_FIELDS}
    initial["origin"] = str(item.origin or "")  # the ISO code
    return initial


def posted_rows(data, prefix: str = ITEMS_PREFIX) -> list[dict]:
    """The item rows of a posted form that hold something and are not removed, as typed."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    except (TypeError, ValueError):
        total = 0
    rows = []
    for index in range(max(0, min(total, ITEMS_MAX))):
        row = {name: data.get(f"{prefix}-{index}-{name}", "") for name in ITEM_FIELDS}
        if data.get(f"{prefix}-{index}-DELETE") or not any(str(value).strip() for value in row.values()):
            continue
        rows.append(row)
    return rows


def posted_header(data, names) -> dict:
    initial = {name: data.get(name) for name in names if data.get(name) not in (None, "")}
    initial["consolidated"] = bool(data.get("consolidated"))
    return initial


class DeclarationInput:
    """The header form and the items formset of one page, validated together; a service's errors
    go next to their fields (`items.N.field` onto the N-th item sent)."""

    def __init__(self, header: DeclarationForm, items: BaseItemFormSet):
        self.header = header
        self.items = items
        self.item_errors: list[str] = []
        self._sent: list[forms.Form] = []

    def is_valid(self) -> bool:
        header_valid = self.header.is_valid()
        items_valid = self.items.is_valid()
        return header_valid and items_valid

    def service_items(self) -> list[dict]:
        self._sent = self.items.sent_forms()
        return [{name: form.cleaned_data.get(name) for name in ITEM_FIELDS} for form in self._sent]

    @property
    def has_errors(self) -> bool:
        if not self.header.is_bound:
            return bool(self.item_errors)
        return bool(
            self.header.errors
            or self.item_errors
            or self.items.non_form_errors()
            or any(form.errors for form in self.items.forms)
        )

    def add_service_errors(self, error) -> None:
        if not hasattr(error, "error_dict"):
            self.header.add_service_errors(error)
            return
        header = {}
        for key, messages in error.message_dict.items():
            if key == "items":
                self.item_errors.extend(messages)
            elif key.startswith("items."):
                self._add_item_errors(key, messages)
            else:
                header[key] = messages
        if header:
            self.header.add_service_errors(ValidationError(header))

    def _add_item_errors(self, key: str, messages) -> None:
        _items, position, *rest = key.split(".", 2)
        form = None
        if position.isdigit() and 1 <= int(position) <= len(self._sent):
            form = self._sent[int(position) - 1]
        if form is None:
            self.item_errors.extend(messages)
            return
        field = rest[0] if rest and rest[0] in form.fields else None
        for message in messages:
            form.add_error(field, message)


# --- the declarant's and the officers' steps --------------------------------------------------------


class CancelForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Customs officers read it when the declaration was filed."),
    )


class InspectForm(ServiceErrorsMixin, forms.Form):
    findings = forms.CharField(
        label=_("Findings (optional)"),
        max_length=COMMENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the documents or the goods show so far; the declarant reads them."),
    )


class ReleaseForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label=_("Note (optional)"), max_length=NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class HoldForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the hold"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The declarant reads it: say what is missing or wrong."),
    )


class RejectForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The declarant reads it."),
    )


# --- list filters -------------------------------------------------------------------------------


class MemberDeclarationFilterSet(django_filters.FilterSet):
    """The declarations of a member's institutions: by status, line and lane."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeclarationStatus.choices, empty_label=_("All"))
    line = django_filters.ChoiceFilter(label=_("Line"), choices=Line.choices, empty_label=_("All"))
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices, empty_label=_("All"))

    class Meta:
        model = Declaration
        fields = []


class DeclarationQueueFilterSet(django_filters.FilterSet):
    """The officers' queue: the declarations waiting (by default), by lane, status, line, checkpoint,
    waiting time, declarant or number."""

    status = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        # Drafts never reach the queue: they are the declarant's until filed.
        choices=[choice for choice in DeclarationStatus.choices if choice[0] != DeclarationStatus.DRAFT],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    lane = django_filters.ChoiceFilter(label=_("Lane"), choices=Lane.choices, empty_label=_("Any"))
    line = django_filters.ChoiceFilter(label=_("Line"), choices=Line.choices, empty_label=_("Any"))
    checkpoint = django_filters.ModelChoiceFilter(
        label=_("Checkpoint"), queryset=Checkpoint.objects.order_by("code"), empty_label=_("Any")
    )
    older_than_days = DaysFilter(
        label=_("Waiting longer than (days)"),
        method="filter_older_than",
        widget=forms.NumberInput(attrs={"min": 0, "max": DAYS_MAX, "step": 1}),
    )
    q = django_filters.CharFilter(
        label=_("Declarant or declaration number"), max_length=SHORT_TEXT_MAX, method="filter_q"
    )

    class Meta:
        model = Declaration
        fields = []

    def __init__(self, data, *args, **kwargs):
        # The filter form sends "filtered"; without it (a plain visit) the queue shows the waiting ones.
        if "filtered" not in data and "status" not in data:
            data = data.copy()
            data.setlist("status", list(WAITING))
        super().__init__(data, *args, **kwargs)

    def filter_older_than(self, queryset, name, value):
        days = float(value)
        if not days <= DAYS_MAX:  # also NaN
            return queryset.none()
        return queryset.filter(filed_at__lt=timezone.now() - timedelta(days=max(days, 0.0)))

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__iexact=value[:NUMBER_MAX])
            | Q(institution__name_en__icontains=value)
            | Q(institution__name_zh_hans__icontains=value)
            | Q(institution__name_zh_hant__icontains=value)
            | Q(institution__registration_no__iexact=value)
        )


_HS_PREFIX = RegexValidator(r"^[0-9]{1,6}$", _("Give the first digits of an HS code (1 to 6 digits)."))


class StockFilterSet(django_filters.FilterSet):
    """Bonded stock for the officers: by institution and HS prefix."""

    institution = django_filters.ModelChoiceFilter(
        label=_("Institution"),
        queryset=Institution.objects.filter(stock__isnull=False).distinct().order_by("name_en"),
        empty_label=_("All"),
    )
    hs = django_filters.CharFilter(
        label=_("HS code starts with"),
        field_name="subheading__code",
        lookup_expr="startswith",
        max_length=6,
        validators=[_HS_PREFIX],
    )

    class Meta:
        model = StockBalance
        fields = []
