"""Research data leaving the zone through the dedicated international data channels: an
institution's export filings, and the negative list staff keep that decides what each needs.

What the whitelist's `data` scope grants. The outcome of a filing (filing only, security
assessment required, refused) is decided when it is submitted by the negative list
(`zone/rules/data_exports.py`), and the filing keeps which entries applied and why.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from hetao.audit import audited
from hetao.i18n import TrilingualNameMixin
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX
from hetao.visibility import VisibleToQuerySet


class DataCategory(models.TextChoices):
    GENERAL = "general", _("General research data")
    PERSONAL = "personal", _("Personal information")
    SENSITIVE_PERSONAL = "sensitive_personal", _("Sensitive personal information")
    HUMAN_GENETIC = "human_genetic", _("Human genetic resources information")
    IMPORTANT = "important", _("Important data")


DATA_CATEGORY_VALUES = [choice.value for choice in DataCategory]

# Bounds of a filing's numbers and reference: a trillion records or persons is beyond any real
# dataset and far inside the columns, so arithmetic and comparisons never overflow.
COUNT_MAX = 10**12
REFERENCE_MAX = 64


class Destination(models.TextChoices):
    HK_PARK = "hk_park", _("The Hong Kong park of the zone")
    HONG_KONG = "hong_kong", _("Hong Kong (outside the park)")
    ABROAD = "abroad", _("Another country or region")


class Outcome(models.TextChoices):
    """Ordered from the mildest to the strictest: the strictest entry that applies decides."""

    FILING_ONLY = "filing_only", _("Filing only")
    ASSESSMENT = "assessment", _("Security assessment required")
    REFUSED = "refused", _("Refused")


OUTCOME_SEVERITY = {Outcome.FILING_ONLY: 0, Outcome.ASSESSMENT: 1, Outcome.REFUSED: 2}


class DestinationScope(models.TextChoices):
    ANY = "any", _("Any destination")
    OUTSIDE_PARK = "outside_park", _("Outside the Hong Kong park")
    ABROAD = "abroad", _("Outside Hong Kong")


@audited()
class NegativeListEntry(TrilingualNameMixin, models.Model):
    """One rule of the data-export negative list: for a category (above optional thresholds, to some
    destinations), what an export filing needs. Kept by staff as data; `name_*` is the reason shown."""

    category = models.CharField(_("data category"), max_length=24, choices=DataCategory.choices)
    min_records = models.PositiveBigIntegerField(
        _("from this many records"), null=True, blank=True, help_text=_("Empty: any number.")
    )
    min_persons = models.PositiveBigIntegerField(
        _("from this many persons concerned"), null=True, blank=True, help_text=_("Empty: any number.")
    )
    destinations = models.CharField(
        _("destinations"), max_length=16, choices=DestinationScope.choices, default=DestinationScope.ANY
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("negative-list entry")
        verbose_name_plural = _("negative list")
        ordering = ["category", "min_persons", "min_records", "id"]

    def __str__(self):
        return f"{self.get_category_display()} → {self.get_outcome_display()}"


class ExportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


@audited()
class DataExportFiling(models.Model):
    """An institution's filing of research data it sends out of the zone."""

    institution = models.ForeignKey(
        "zone.Institution", on_delete=models.PROTECT, related_name="data_export_filings", verbose_name=_("institution")
    )
    number = models.CharField(_("filing number"), max_length=20, unique=True, null=True, blank=True)
    reference = models.CharField(_("your reference"), max_length=REFERENCE_MAX, blank=True)
    title = models.CharField(_("dataset title"), max_length=SHORT_TEXT_MAX)
    description = models.TextField(_("dataset description"), max_length=LONG_TEXT_MAX, blank=True)
    categories = ArrayField(
        models.CharField(max_length=24, choices=DataCategory.choices), verbose_name=_("data categories"), default=list
    )
    record_count = models.PositiveBigIntegerField(_("number of records"), default=0)
    person_count = models.PositiveBigIntegerField(_("number of persons concerned"), default=0)
    destination = models.CharField(_("destination"), max_length=16, choices=Destination.choices)
    destination_country = CountryField(_("destination country or region"), blank=True)
    recipient = models.CharField(_("recipient"), max_length=SHORT_TEXT_MAX)
    purpose = models.TextField(_("purpose"), max_length=COMMENT_MAX)
    channel = models.CharField(_("transfer channel"), max_length=SHORT_TEXT_MAX)
    security_measures = models.TextField(_("security measures"), max_length=COMMENT_MAX, blank=True)
    period_start = models.DateField(_("transfers from"))
    period_end = models.DateField(_("transfers until"))
    status = models.CharField(
        _("status"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.DRAFT, db_index=True
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    # The negative-list entries that applied at submission: [{"entry": id, "outcome", "reason": {lang: text}}].
    explanation = models.JSONField(_("why"), default=list, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(_("reason for the decision"), max_length=NOTE_MAX, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("data export filing")
        verbose_name_plural = _("data export filings")
        ordering = ["-created_at", "-id"]
        permissions = [("assess_dataexportfiling", _("Can assess and decide data export filings"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="data_export_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(categories__contained_by=DATA_CATEGORY_VALUES), name="data_export_categories_known"
            ),
            models.CheckConstraint(
                condition=models.Q(number__isnull=True) | models.Q(number__regex=r"^HTDX-[0-9]{4}-[0-9]{6}$"),
                name="data_export_number_format",
            ),
            models.UniqueConstraint(
                fields=["institution", "reference"],
                condition=~models.Q(reference=""),
                name="data_export_reference_unique",
                violation_error_message=_("Your institution already has a filing with this reference."),
            ),
        ]

    def __str__(self):
        return self.number or _("Data export filing %(id)s") % {"id": self.pk}

    @property
    def category_labels(self) -> list[str]:
        """The data categories' names in the active language, in the order of `DataCategory`."""
        labels = dict(DataCategory.choices)
        return [str(labels.get(value, value)) for value in self.categories or []]
