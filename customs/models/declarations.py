"""Declarations with their items, the bonded stock they move, and their gate passages."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from hetao.audit import audited
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX
from hetao.visibility import VisibleToQuerySet

from ..choices import Currency, Direction, ItemCategory, Lane, Regime, TransportMode, Unit
from .checkpoints import Checkpoint, HsCode, Line
from .rules import VALUE_DIGITS, VALUE_PLACES, RuleSetVersion

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


@audited(bulk_inserts=True)
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
        _("status"), max_length=20, choices=DeclarationStatus.choices, default=DeclarationStatus.DRAFT
    )  # indexed first in declaration_queue
    regime = models.CharField(_("regime"), max_length=24, choices=Regime.choices, blank=True)
    lane = models.CharField(_("lane"), max_length=8, choices=Lane.choices, blank=True)
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
        # Plain indexes (a field's db_index on text would add a LIKE index too, which nothing uses).
        indexes = [
            models.Index(fields=["status", "lane", "filed_at"], name="declaration_queue"),
            models.Index(fields=["lane"], name="declaration_lane"),
        ]

    def __str__(self):
        return self.number or _("Declaration draft %(id)s") % {"id": self.pk}


class DeclarationItem(models.Model):
    """One line of goods of a declaration."""

    # Indexed by declaration_item_position_unique (declaration, position), and the subheading by a
    # plain index (db_index on a text key would add a LIKE index too).
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="items", verbose_name=_("declaration"), db_index=False
    )
    position = models.PositiveSmallIntegerField(_("item"))
    hs_code = models.CharField(_("HS code"), max_length=10)
    subheading = models.ForeignKey(
        HsCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("HS 2022 subheading"), db_index=False
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
        indexes = [models.Index(fields=["subheading"], name="declaration_item_subheading")]
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
