"""Customs: checkpoints on the sub-lines, the HS 2022 nomenclature, passage checks of persons and
the risk rules that decide declarations."""

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from hetao.audit import audited
from hetao.i18n import TrilingualNameMixin
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX
from hetao.visibility import VisibleToQuerySet
from zone.models import WhitelistScope

from .choices import Condition, Currency, Direction, ItemCategory, Lane, Regime, TransportMode, Unit


class Line(models.TextChoices):
    FIRST = "first", _("First line (Hong Kong ↔ park)")
    SECOND = "second", _("Second line (park ↔ mainland)")
    INTERNAL = "internal", _("Inside the park")


@audited()
class Checkpoint(TrilingualNameMixin, models.Model):
    """A customs control point on the first or second line, or inside the park."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    line = models.CharField(_("line"), max_length=10, choices=Line.choices)
    park = models.ForeignKey("zone.Park", on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("park"))
    hand_carry = models.BooleanField(
        _("hand-carry channel"),
        default=False,
        help_text=_("Designated persons may hand-carry research goods through this channel."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} · {self.name}"


class HsCode(models.Model):
    """An entry of the HS 2022 nomenclature (chapter, heading or subheading), loaded from data/hs2022."""

    code = models.CharField(_("HS code"), max_length=6, primary_key=True)
    level = models.PositiveSmallIntegerField(_("level"))
    section = models.CharField(_("section"), max_length=8)
    parent = models.CharField(_("parent code"), max_length=6, blank=True)
    description = models.TextField(_("description"))
    declarable = models.BooleanField(
        _("declarable"),
        default=False,
        help_text=_("A 6-digit subheading outside chapter 99, which is a statistical code only."),
    )

    class Meta:
        verbose_name = _("HS code")
        verbose_name_plural = _("HS codes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=[2, 4, 6]), name="hscode_level_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.description[:60]}"


@audited(exclude=["document_hash"])
class PassageCheck(models.Model):
    """A customs officer's check of a person at a checkpoint, and what it answered. Append-only.

    The document number is kept as its keyed hash and last four characters only, so the record
    of who crossed names nobody in clear."""

    class Result(models.TextChoices):
        VALID = "valid", _("Valid")
        NOT_REGISTERED = "not_registered", _("Not registered")
        NOT_VALID = "not_valid", _("Registered, not valid")

    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="passage_checks", verbose_name=_("checkpoint")
    )
    person = models.ForeignKey(
        "zone.RegisteredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passage_checks",
        verbose_name=_("person"),
    )
    document_type = models.CharField(_("travel document type"), max_length=24)
    document_hash = models.CharField(max_length=64, editable=False)
    document_last4 = models.CharField(_("travel document number (last characters)"), max_length=4)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    may_hand_carry = models.BooleanField(_("may hand-carry research goods"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("passage check")
        verbose_name_plural = _("passage checks")
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["checkpoint", "checked_at"], name="passage_check_daily")]
        triggers = [pgtrigger.Protect(name="passage_check_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.checkpoint.code} {self.checked_at:%Y-%m-%d %H:%M} {self.get_result_display()}"


# --- risk rules ---------------------------------------------------------------------------------

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


# --- declarations ---------------------------------------------------------------------------------

REFERENCE_MAX = 64
PERMIT_MAX = 64
QUANTITY_DIGITS, QUANTITY_PLACES = 18, 3


class DeclarationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed")
    UNDER_INSPECTION = "under_inspection", _("Under inspection")
    RELEASED = "released", _("Released")
    HELD = "held", _("Held")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class DeclarationQuerySet(VisibleToQuerySet):
    def visible_to(self, principal):
        """The declarant's members see its declarations; the receiver of an internal movement sees
        those that name it once filed."""
        if principal is None or principal.institution_ids is None:
            return super().visible_to(principal)
        return self.filter(
            models.Q(institution_id__in=principal.institution_ids)
            | (
                models.Q(receiving_institution_id__in=principal.institution_ids)
                & ~models.Q(status=DeclarationStatus.DRAFT)
            )
        )


@audited()
class Declaration(models.Model):
    """A customs declaration of goods crossing a sub-line or moving inside the park."""

    institution = models.ForeignKey(
        "zone.Institution", on_delete=models.PROTECT, related_name="declarations", verbose_name=_("declarant")
    )
    number = models.CharField(_("declaration number"), max_length=20, unique=True, null=True, blank=True)
    reference = models.CharField(_("your reference"), max_length=REFERENCE_MAX, blank=True)
    line = models.CharField(_("line"), max_length=10, choices=Line.choices)
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    receiving_institution = models.ForeignKey(
        "zone.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_declarations",
        verbose_name=_("receiving institution"),
    )
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("checkpoint")
    )
    planned_date = models.DateField(_("planned date"))
    transport_mode = models.CharField(_("transport mode"), max_length=12, choices=TransportMode.choices)
    carrier = models.ForeignKey(
        "zone.RegisteredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("carrier"),
    )
    consolidated = models.BooleanField(_("consolidated declaration"), default=False)
    period_start = models.DateField(_("consolidated from"), null=True, blank=True)
    period_end = models.DateField(_("consolidated until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT, db_index=True
    )
    regime = models.CharField(_("regime"), max_length=24, choices=Regime.choices, blank=True)
    lane = models.CharField(_("lane"), max_length=8, choices=Lane.choices, blank=True, db_index=True)
    permit_required = models.BooleanField(_("permit required"), default=False)
    selected = models.BooleanField(_("selected at random"), default=False)
    # The rules that fired at filing: [{"rule": id, "kind", "reason": {lang: text}, "items": [...], ...}].
    explanation = models.JSONField(_("why"), default=list, blank=True)
    rule_set_version = models.ForeignKey(
        RuleSetVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("rule set version"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspecting officer"),
    )
    findings = models.TextField(_("inspection findings"), max_length=COMMENT_MAX, blank=True)
    decision_note = models.TextField(_("reason for the decision"), max_length=NOTE_MAX, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True, db_index=True)
    # The release slip: what the checkpoint officer scans when the goods cross.
    slip_number = models.CharField(_("release slip"), max_length=20, unique=True, null=True, blank=True)
    slip_valid_until = models.DateField(_("release slip valid until"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(
        "hetao.BatchFiling",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("batch filing"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DeclarationQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")
        ordering = ["-created_at", "-id"]
        permissions = [("decide_declaration", _("Can inspect, release, hold and reject declarations"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__isnull=True) | models.Q(number__regex=r"^HTCD-[0-9]{4}-[0-9]{7}$"),
                name="declaration_number_format",
            ),
            models.CheckConstraint(
                condition=models.Q(period_start__isnull=True)
                | models.Q(period_end__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="declaration_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(slip_number__isnull=True) | models.Q(slip_number__regex=r"^HTRS-[0-9]{4}-[0-9]{7}$"),
                name="declaration_slip_format",
            ),
            models.CheckConstraint(
                condition=models.Q(line=Line.INTERNAL, receiving_institution__isnull=False)
                | (~models.Q(line=Line.INTERNAL) & models.Q(receiving_institution__isnull=True)),
                name="declaration_receiver_only_inside",
            ),
            models.UniqueConstraint(
                fields=["institution", "reference"],
                condition=~models.Q(reference=""),
                name="declaration_reference_unique",
                violation_error_message=_("Your institution already has a declaration with this reference."),
            ),
        ]
        indexes = [models.Index(fields=["status", "lane", "filed_at"], name="declaration_queue")]

    def __str__(self):
        return self.number or _("Declaration draft %(id)s") % {"id": self.pk}


class DeclarationItem(models.Model):
    """One line of goods of a declaration."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="items", verbose_name=_("declaration")
    )
    position = models.PositiveSmallIntegerField(_("item"))
    hs_code = models.CharField(_("HS code"), max_length=10)
    subheading = models.ForeignKey(
        HsCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("HS 2022 subheading")
    )
    description = models.CharField(_("description of the goods"), max_length=SHORT_TEXT_MAX)
    quantity = models.DecimalField(_("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    value = models.DecimalField(_("value"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    origin = CountryField(_("country of origin"))
    category = models.CharField(_("category"), max_length=24, choices=ItemCategory.choices)
    permit_reference = models.CharField(_("permit reference"), max_length=PERMIT_MAX, blank=True)

    class Meta:
        verbose_name = _("declaration item")
        verbose_name_plural = _("declaration items")
        ordering = ["declaration", "position"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "position"], name="declaration_item_position_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="declaration_item_quantity_positive"),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="declaration_item_value_positive"),
            models.CheckConstraint(
                condition=models.Q(hs_code__regex=r"^[0-9]{6}([0-9]{2}){0,2}$"), name="item_hs_code_digits"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.hs_code} {self.description}"


# --- bonded stock -------------------------------------------------------------------------------


class StockBalance(models.Model):
    """An institution's bonded stock of one HS subheading in one unit. Never negative: the
    database refuses it, and the stock service locks the rows it changes in key order."""

    institution = models.ForeignKey(
        "zone.Institution", on_delete=models.PROTECT, related_name="stock", verbose_name=_("institution")
    )
    subheading = models.ForeignKey(HsCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("HS subheading"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    quantity = models.DecimalField(_("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["institution", "subheading", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "subheading", "unit"], name="stock_balance_key"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self):
        return f"{self.subheading_id} {self.quantity} {self.unit}"


class StockMovement(models.Model):
    """One change of a stock balance, with the declaration item behind it. Append-only."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry across the first line")
        EXIT = "exit", _("Exit from the park")
        TRANSFER_OUT = "transfer_out", _("Moved to another institution in the park")
        TRANSFER_IN = "transfer_in", _("Received from another institution in the park")

    institution = models.ForeignKey(
        "zone.Institution", on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("institution")
    )
    subheading = models.ForeignKey(HsCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("HS subheading"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    kind = models.CharField(_("movement"), max_length=16, choices=Kind.choices)
    quantity = models.DecimalField(
        _("change"),
        max_digits=QUANTITY_DIGITS,
        decimal_places=QUANTITY_PLACES,
        help_text=_("Negative when stock leaves."),
    )
    balance_after = models.DecimalField(_("balance after"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="stock_movements", verbose_name=_("declaration")
    )
    item = models.ForeignKey(DeclarationItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "subheading", "unit", "created_at"], name="stock_movement_key")]
        triggers = [pgtrigger.Protect(name="stock_movement_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.get_kind_display()} {self.quantity} {self.unit}"


# --- gate passages --------------------------------------------------------------------------------


@audited()
class GatePassage(models.Model):
    """The physical crossing of released goods, recorded when the checkpoint officer scans or types
    the release slip. A declaration passes once; a consolidated one in parts until its quantities
    have passed. Append-only."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="passages", verbose_name=_("declaration")
    )
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="gate_passages", verbose_name=_("checkpoint")
    )
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=16, blank=True)
    carrier = models.ForeignKey(
        "zone.RegisteredPerson",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gate_passages",
        verbose_name=_("carrier"),
    )
    partial = models.BooleanField(_("partial passage"), default=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    passed_at = models.DateTimeField(_("passed at"), auto_now_add=True, db_index=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "declaration__institution"

    class Meta:
        verbose_name = _("gate passage")
        verbose_name_plural = _("gate passages")
        ordering = ["-passed_at", "-id"]
        triggers = [pgtrigger.Protect(name="gate_passage_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.declaration.number} {self.checkpoint.code} {self.passed_at:%Y-%m-%d %H:%M}"


class GatePassageItem(models.Model):
    """How much of one declaration item crossed in a passage."""

    passage = models.ForeignKey(GatePassage, on_delete=models.PROTECT, related_name="items", verbose_name=_("passage"))
    item = models.ForeignKey(DeclarationItem, on_delete=models.PROTECT, related_name="passed", verbose_name=_("item"))
    quantity = models.DecimalField(_("quantity"), max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)

    class Meta:
        verbose_name = _("gate passage item")
        verbose_name_plural = _("gate passage items")
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="gate_passage_item_quantity_positive"),
            models.UniqueConstraint(fields=["passage", "item"], name="gate_passage_item_once"),
        ]
        triggers = [
            pgtrigger.Protect(name="gate_passage_item_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self):
        return f"{self.item_id}: {self.quantity}"
