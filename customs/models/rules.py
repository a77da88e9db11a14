"""The risk rules that decide declarations, and the versions of the rule set."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hetao.audit import audited
from hetao.i18n import TrilingualNameMixin
from zone.models import WhitelistScope

from ..choices import Condition, Currency, Direction, ItemCategory, Lane, Regime, TransportMode
from .checkpoints import Line

HS_PREFIX_MAX = 10
VALUE_DIGITS, VALUE_PLACES = 16, 2


def _choices_array(label, choices, max_length, help_text=""):
    return ArrayField(
        models.CharField(max_length=max_length, choices=choices),
        verbose_name=label,
        default=list,
        blank=True,
        help_text=help_text,
    )


@audited()
class RiskRule(TrilingualNameMixin, models.Model):
    """One rule of the risk rule set: conditions on a declaration and its items, and what it calls
    for when they hold (`customs.rules.evaluate` reads these fields). The name is the reason filers
    and officers read, in three languages. Changed only through `customs.services.risk_rule_save`,
    which versions the rule set."""

    priority = models.PositiveIntegerField(
        _("priority"), help_text=_("Rules are read in ascending priority; the first regime found decides.")
    )
    lines = _choices_array(_("lines"), Line.choices, 10)
    directions = _choices_array(_("directions"), Direction.choices, 12)
    transport_modes = _choices_array(_("transport modes"), TransportMode.choices, 12)
    scopes_all = _choices_array(
        _("whitelist scopes held"), WhitelistScope.choices, 16, _("The filer holds all of these on the planned date.")
    )
    scopes_missing = _choices_array(
        _("whitelist scopes lacking"),
        WhitelistScope.choices,
        16,
        _("The filer lacks one of these on the planned date."),
    )
    checkpoint_hand_carry = models.CharField(
        _("at a hand-carry channel"), max_length=3, choices=Condition.choices, default=Condition.ANY
    )
    designated_carrier = models.CharField(
        _("carried by a designated carrier"), max_length=3, choices=Condition.choices, default=Condition.ANY
    )
    categories = _choices_array(_("item categories"), ItemCategory.choices, 24)
    categories_excluded = models.BooleanField(
        _("every category but these"), default=False, help_text=_("The rule reads items of the other categories.")
    )
    hs_prefixes = ArrayField(
        models.CharField(max_length=HS_PREFIX_MAX),
        verbose_name=_("HS code prefixes"),
        default=list,
        blank=True,
        help_text=_("Chapters, headings or subheadings, e.g. 30, 3002, 300212."),
    )
    origins = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("origin countries"),
        default=list,
        blank=True,
        help_text=_("ISO 3166 codes."),
    )
    currencies = _choices_array(_("currencies"), Currency.choices, 3)
    min_value = models.DecimalField(
        _("from this value"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("up to this value"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, null=True, blank=True
    )
    permit = models.CharField(_("item has a permit"), max_length=3, choices=Condition.choices, default=Condition.ANY)
    regime = models.CharField(_("regime"), max_length=24, choices=Regime.choices, blank=True)
    lane = models.CharField(_("lane"), max_length=8, choices=Lane.choices, blank=True)
    permit_required = models.BooleanField(_("permit required"), default=False)
    refuse = models.BooleanField(_("refuse"), default=False)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="risk_rule_value_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(regime="", lane="", permit_required=False, refuse=False),
                name="risk_rule_has_an_outcome",
            ),
        ]

    def __str__(self):
        return f"{self.priority} · {self.name}"

    def clean(self):
        errors = {}
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            errors["max_value"] = _("The upper value must not be below the lower one.")
        if not (self.regime or self.lane or self.permit_required or self.refuse):
            errors["regime"] = _("A rule calls for something: a regime, a lane, a permit, or a refusal.")
        if self.categories_excluded and not self.categories:
            errors["categories"] = _("Name the categories the rule does not read.")
        prefixes = []
        for prefix in self.hs_prefixes:
            prefix = prefix.strip()
            if not prefix.isdigit() or len(prefix) % 2 or not 2 <= len(prefix) <= HS_PREFIX_MAX:
                errors["hs_prefixes"] = _("An HS prefix is 2, 4, 6, 8 or 10 digits.")
                break
            prefixes.append(prefix)
        else:
            self.hs_prefixes = prefixes
        self.origins = [origin.strip().upper() for origin in self.origins]
        if any(len(origin) != 2 or not origin.isalpha() for origin in self.origins):
            errors["origins"] = _("Give each origin as its ISO 3166 code of two letters.")
        if errors:
            raise ValidationError(errors)


class RuleSetVersion(models.Model):
    """A version of the risk rule set: every change makes a new one, holding the rules as they then
    read. A declaration stores the version it was decided by."""

    class Change(models.TextChoices):
        INITIAL = "initial", _("Default rule set")
        ADDED = "added", _("Rule added")
        CHANGED = "changed", _("Rule changed")
        DELETED = "deleted", _("Rule deleted")

    number = models.PositiveIntegerField(_("version"), unique=True)
    rules = models.JSONField(_("rules"), default=list)
    change = models.CharField(_("change"), max_length=8, choices=Change.choices, default=Change.CHANGED)
    rule_priority = models.PositiveIntegerField(_("priority of the rule changed"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rule set version")
        verbose_name_plural = _("rule set versions")
        ordering = ["-number"]
        triggers = [
            pgtrigger.Protect(name="rule_set_version_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"v{self.number}"

    @property
    def description(self) -> str:
        """What changed, in the reader's language: "Rule 40 changed"."""
        if self.rule_priority is None or self.change == self.Change.INITIAL:
            return str(self.get_change_display())
        texts = {
            self.Change.ADDED: _("Rule %(priority)s added"),
            self.Change.CHANGED: _("Rule %(priority)s changed"),
            self.Change.DELETED: _("Rule %(priority)s deleted"),
        }
        return str(texts[self.change]) % {"priority": self.rule_priority}
