"""Checkpoints on the sub-lines, the HS 2022 nomenclature and the passage checks of persons."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hetao.audit import audited
from hetao.i18n import TrilingualNameMixin


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
