"""Customs: checkpoints on the sub-lines and the HS 2022 nomenclature."""

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
