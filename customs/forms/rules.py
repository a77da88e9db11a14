"""Forms of the risk-rule pages: one rule, and the period a what-if decides again.

The rule form is a ModelForm: the model's `clean` checks the rule (an outcome, a value range in
order, HS prefixes of 2 to 10 digits, ISO origins) and `customs.services.risk_rule_save` saves it
and versions the rule set.
"""

from datetime import timedelta

from django import forms
from django.contrib.postgres.forms import SimpleArrayField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetao.api.filters import BoundedDateFormField
from hetao.forms import ServiceErrorsMixin
from zone.models import WhitelistScope

from ..choices import Condition, Currency, Direction, ItemCategory, Lane, Regime, TransportMode
from ..models import HS_PREFIX_MAX, VALUE_DIGITS, VALUE_PLACES, Line, RiskRule

PRIORITY_MAX = 100_000
HS_PREFIXES_MAX = 100
ORIGINS_MAX = 300
WHAT_IF_DAYS = 30  # the period a what-if reads unless another is chosen
WHAT_IF_SPAN_MAX = 366


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _checkboxes(label, choices, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=help_text,
    )


class RiskRuleForm(ServiceErrorsMixin, forms.ModelForm):
    """One risk rule: when it fires (every condition set holds; an empty one holds for anything) and
    what it calls for."""

    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=PRIORITY_MAX,
        help_text=_("Rules are read in ascending priority; the first regime found decides."),
    )
    lines = _checkboxes(_("Lines"), Line.choices, _("None ticked: any line."))
    directions = _checkboxes(_("Directions"), Direction.choices, _("None ticked: either direction."))
    transport_modes = _checkboxes(_("Transport modes"), TransportMode.choices, _("None ticked: any mode."))
    scopes_all = _checkboxes(
        _("Whitelist scopes held"), WhitelistScope.choices, _("The filer holds all of these on the planned date.")
    )
    scopes_missing = _checkboxes(
        _("Whitelist scopes lacking"), WhitelistScope.choices, _("The filer lacks one of these on the planned date.")
    )
    checkpoint_hand_carry = forms.ChoiceField(label=_("At a hand-carry channel"), choices=Condition.choices)
    designated_carrier = forms.ChoiceField(label=_("Carried by a designated carrier"), choices=Condition.choices)
    categories = _checkboxes(_("Item categories"), ItemCategory.choices, _("None ticked: any category."))
    hs_prefixes = SimpleArrayField(
        forms.CharField(max_length=HS_PREFIX_MAX),
        label=_("HS code prefixes"),
        required=False,
        max_length=HS_PREFIXES_MAX,
        help_text=_("Chapters, headings or subheadings separated by commas, e.g. 30, 3002, 300212."),
    )
    origins = SimpleArrayField(
        forms.CharField(max_length=2),
        label=_("Countries of origin"),
        required=False,
        max_length=ORIGINS_MAX,
        help_text=_("ISO 3166 codes of two letters separated by commas, e.g. DE, US."),
    )
    currencies = _checkboxes(_("Currencies"), Currency.choices, _("None ticked: any currency."))
    min_value = forms.DecimalField(
        label=_("Item value from"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, required=False
    )
    max_value = forms.DecimalField(
        label=_("Item value up to"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, required=False
    )
    permit = forms.ChoiceField(label=_("The item has a permit"), choices=Condition.choices)
    regime = forms.ChoiceField(
        label=_("Regime"), choices=[("", _("— (the rule sets no regime)")), *Regime.choices], required=False
    )
    lane = forms.ChoiceField(
        label=_("Lane"), choices=[("", _("— (the rule sets no lane)")), *Lane.choices], required=False
    )

    class Meta:
        model = RiskRule
        fields = [
            "priority",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "lines",
            "directions",
            "transport_modes",
            "scopes_all",
            "scopes_missing",
            "checkpoint_hand_carry",
            "designated_carrier",
            "categories",
            "categories_excluded",
            "hs_prefixes",
            "origins",
            "currencies",
            "min_value",
            "max_value",
            "permit",
            "regime",
            "lane",
            "permit_required",
            "refuse",
            "active",
        ]
        labels = {
            "name_en": _("Reason (English)"),
            "name_zh_hans": _("Reason (简体中文)"),
            "name_zh_hant": _("Reason (繁體中文)"),
            "categories_excluded": _("Every category but the ticked ones"),
            "permit_required": _("A permit is required"),
            "refuse": _("Refuse the declaration"),
            "active": _("Active"),
        }
        help_texts = {
            "name_en": _("Filers and officers read the reason of every rule that fires, in their language."),
            "refuse": _("A refused declaration stays a draft; the filer reads the reason."),
        }

    # The fields that say when the rule fires, and those that say what it calls for (the page groups them).
    CONDITION_FIELDS = (
        "lines",
        "directions",
        "transport_modes",
        "scopes_all",
        "scopes_missing",
        "checkpoint_hand_carry",
        "designated_carrier",
        "categories",
        "categories_excluded",
        "hs_prefixes",
        "origins",
        "currencies",
        "min_value",
        "max_value",
        "permit",
    )
    OUTCOME_FIELDS = ("regime", "lane", "permit_required", "refuse")

    def fields_named(self, names):
        return [self[name] for name in names]

    def reason_fields(self):
        return self.fields_named(("priority", "name_en", "name_zh_hans", "name_zh_hant"))

    def condition_fields(self):
        return self.fields_named(self.CONDITION_FIELDS)

    def outcome_fields(self):
        return self.fields_named((*self.OUTCOME_FIELDS, "active"))


class WhatIfForm(forms.Form):
    """The period whose declarations a what-if decides again."""

    start = BoundedDateFormField(label=_("Filed from"), widget=_date_input())
    end = BoundedDateFormField(label=_("Filed until"), widget=_date_input())

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "whatif")
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["start"].initial = today - timedelta(days=WHAT_IF_DAYS)
        self.fields["end"].initial = today

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The period must not end before it starts."))
            elif (end - start).days > WHAT_IF_SPAN_MAX:
                self.add_error("end", _("A what-if covers at most a year of declarations."))
        return data
