"""People across the border: researchers an institution registers for facilitated passage, and
designated carriers who may hand-carry research goods through the No. 1 Channel.

What the whitelist's `personnel` scope grants. A travel document number is personal data: it is
stored encrypted (`hetao.fields.EncryptedTextField`), found through a keyed hash, shown as its
last four characters, and kept out of the audit trail.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from hetao import crypto
from hetao.audit import audited
from hetao.fields import EncryptedTextField
from hetao.limits import NOTE_MAX, SHORT_TEXT_MAX
from hetao.visibility import VisibleToQuerySet

# The keyed hash of a document number is computed for this purpose only.
DOCUMENT_HASH_PURPOSE = "travel-document"


class TravelDocumentType(models.TextChoices):
    MAINLAND_ID = "mainland_id", _("Mainland resident identity card")
    HK_ID = "hk_id", _("Hong Kong identity card")
    HOME_RETURN_PERMIT = "home_return_permit", _("Mainland Travel Permit for Hong Kong and Macao Residents")
    PASSPORT = "passport", _("Passport")


class PersonStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")


# A document number may be registered once per type among the registrations that still count.
PERSON_LIVE_STATUSES = (PersonStatus.DRAFT, PersonStatus.SUBMITTED, PersonStatus.APPROVED, PersonStatus.SUSPENDED)


def document_hash(document_type: str, number: str) -> str:
    return crypto.keyed_hash(f"{document_type}:{crypto.normalise_identifier(number)}", purpose=DOCUMENT_HASH_PURPOSE)


@audited(exclude=["document_number", "document_hash"])
class RegisteredPerson(models.Model):
    """A researcher of a whitelisted institution, registered for facilitated passage."""

    institution = models.ForeignKey(
        "zone.Institution", on_delete=models.PROTECT, related_name="registered_persons", verbose_name=_("institution")
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    document_type = models.CharField(_("travel document type"), max_length=24, choices=TravelDocumentType.choices)
    document_number = EncryptedTextField(_("travel document number"))
    document_hash = models.CharField(max_length=64, editable=False)
    document_last4 = models.CharField(_("travel document number (last characters)"), max_length=4, editable=False)
    nationality = CountryField(_("nationality"))
    position = models.CharField(_("position"), max_length=SHORT_TEXT_MAX, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    designated_carrier = models.BooleanField(
        _("designated carrier"),
        default=False,
        help_text=_("May hand-carry instruments, reagents, consumables and samples through the No. 1 Channel."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PersonStatus.choices, default=PersonStatus.DRAFT, db_index=True
    )
    status_reason = models.TextField(_("reason for the status"), max_length=NOTE_MAX, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("registered person")
        verbose_name_plural = _("registered persons")
        ordering = ["name_en", "id"]
        permissions = [("review_registeredperson", _("Can review and decide registered persons"))]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_hash"],
                condition=models.Q(status__in=PERSON_LIVE_STATUSES),
                name="person_document_unique",
                violation_error_message=_("A person with this travel document is already registered."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="person_validity_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.name_en} ({self.masked_document})"

    @property
    def masked_document(self) -> str:
        return "••••" + self.document_last4 if self.document_last4 else ""

    def set_document(self, document_type: str, number: str) -> None:
        """Store a document number: encrypted, hashed for lookups, its last four characters for display."""
        normalised = crypto.normalise_identifier(number)
        self.document_type = document_type
        self.document_number = normalised
        self.document_hash = document_hash(document_type, normalised)
        self.document_last4 = normalised[-4:]

    def is_valid_on(self, day) -> bool:
        return self.status == PersonStatus.APPROVED and self.valid_from <= day <= self.valid_until
