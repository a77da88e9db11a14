"""Whitelist filing (白名单备案): applications, their documents and comments, and the registry."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetao.audit import audited
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX
from hetao.visibility import VisibleToQuerySet


class WhitelistScope(models.TextChoices):
    GOODS = "goods", _("Research goods")
    SPECIAL_ITEMS = "special_items", _("Special items (microbes, tissue, blood, biologicals)")
    RESEARCH_FUNDS = "research_funds", _("Cross-border research funds")
    DATA = "data", _("Cross-border research data")
    PERSONNEL = "personnel", _("Personnel movement")


SCOPE_VALUES = [choice.value for choice in WhitelistScope]


def scope_labels(values) -> list[str]:
    """The scopes' names in the active language, in the order given."""
    labels = dict(WhitelistScope.choices)
    return [str(labels.get(value, value)) for value in values or []]


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The applications waiting for the zone: the review queue and the dashboard count the same ones.
WAITING_FOR_REVIEW = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)
# Not yet decided or withdrawn.
OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.CHANGES_REQUESTED,
)


class ApplicationQuerySet(VisibleToQuerySet):
    def waiting_for_review(self):
        return self.filter(status__in=WAITING_FOR_REVIEW)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class CommentQuerySet(VisibleToQuerySet):
    def visible_to(self, principal):
        """Applicants never see the staff's internal comments."""
        comments = super().visible_to(principal)
        if principal is not None and principal.institution_ids is not None:
            comments = comments.filter(visibility=ApplicationComment.Visibility.APPLICANT)
        return comments


class InvitationQuerySet(VisibleToQuerySet):
    def visible_to(self, principal):
        """Pending invitations are the owners' business (and staff's who may view them)."""
        invitations = super().visible_to(principal)
        if principal is not None and principal.institution_ids is not None:
            invitations = invitations.filter(
                institution__memberships__user=principal.user, institution__memberships__role="owner"
            )
        return invitations


@audited()
class WhitelistApplication(models.Model):
    """An institution's request to be admitted to, renew or change its whitelist filing."""

    class Kind(models.TextChoices):
        NEW = "new", _("New filing")
        RENEWAL = "renewal", _("Renewal")
        SCOPE_CHANGE = "scope_change", _("Scope change")

    institution = models.ForeignKey(
        "zone.Institution",
        on_delete=models.PROTECT,
        related_name="whitelist_applications",
        verbose_name=_("institution"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.NEW)
    requested_scopes = ArrayField(
        models.CharField(max_length=20, choices=WhitelistScope.choices),
        verbose_name=_("requested scopes"),
        default=list,
    )
    research_fields = models.CharField(_("research fields"), max_length=SHORT_TEXT_MAX, blank=True)
    justification = models.TextField(_("justification"), max_length=LONG_TEXT_MAX, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned reviewer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason for the decision"), max_length=COMMENT_MAX, blank=True)
    entry = models.ForeignKey(
        "zone.WhitelistEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("whitelist entry"),
    )

    objects = ApplicationQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("whitelist application")
        verbose_name_plural = _("whitelist applications")
        ordering = ["-created_at", "-id"]
        permissions = [("review_whitelistapplication", _("Can review and decide whitelist applications"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_scopes__contained_by=SCOPE_VALUES), name="application_scopes_known"
            ),
        ]

    def __str__(self):
        return _("Application %(id)s of %(institution)s") % {"id": self.pk, "institution": self.institution}

    @property
    def scope_labels(self) -> list[str]:
        return scope_labels(self.requested_scopes)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ApplicationStep(models.Model):
    """One step of an application's history: who moved it from which state to which, and why.

    Append-only by nature (the audit trail records the application's own changes as well)."""

    application = models.ForeignKey(
        WhitelistApplication, on_delete=models.CASCADE, related_name="steps", verbose_name=_("application")
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    note = models.TextField(_("note"), max_length=COMMENT_MAX, blank=True)
    # What the portal itself says of the step (e.g. the assigned reviewer), rendered in the reader's language.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "application__institution"

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action}: {self.from_status or '-'} → {self.to_status}"

    @property
    def display_note(self) -> str:
        """The step's note in the active language: the portal's own words, or the person's."""
        if self.params.get("reviewer"):
            return _("Assigned to %(name)s") % {"name": self.params["reviewer"]}
        return self.note


def _document_path(instance, filename):
    # The stored name is generated by the server; the uploaded name is kept only as data.
    return f"whitelist/{instance.application_id}/{instance.stored_name}"


@audited()
class ApplicationDocument(models.Model):
    """A typed document attached to an application (PDF or image, checked by content)."""

    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("Business licence / registration certificate")
        RESEARCH_PLAN = "research_plan", _("Research plan")
        BIOSAFETY = "biosafety_management", _("Biosafety management")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        WhitelistApplication, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=300)
    stored_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "application__institution"

    class Meta:
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.original_name}"


@audited()
class ApplicationComment(models.Model):
    """A remark on an application: internal to staff, or addressed to the applicant."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal (staff only)")
        APPLICANT = "applicant", _("Visible to the applicant")

    application = models.ForeignKey(
        WhitelistApplication, on_delete=models.CASCADE, related_name="comments", verbose_name=_("application")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    visibility = models.CharField(_("visibility"), max_length=10, choices=Visibility.choices)
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CommentQuerySet.as_manager()
    tenant_field = "application__institution"

    class Meta:
        verbose_name = _("application comment")
        verbose_name_plural = _("application comments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.body[:60]


class EntryStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


@audited()
class WhitelistEntry(models.Model):
    """An institution's filing in the whitelist registry, with its number, scopes and validity."""

    institution = models.ForeignKey(
        "zone.Institution",
        on_delete=models.PROTECT,
        related_name="whitelist_entries",
        verbose_name=_("institution"),
    )
    filing_no = models.CharField(_("filing number"), max_length=20, unique=True)
    scopes = ArrayField(
        models.CharField(max_length=20, choices=WhitelistScope.choices), verbose_name=_("scopes"), default=list
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.ACTIVE, db_index=True
    )
    status_reason = models.TextField(_("reason for the status"), max_length=NOTE_MAX, blank=True)
    renewal_reminder_sent_at = models.DateTimeField(_("renewal reminder sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("whitelist entry")
        verbose_name_plural = _("whitelist entries")
        ordering = ["filing_no"]
        permissions = [("manage_whitelistentry", _("Can suspend, reinstate and revoke whitelist entries"))]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=models.Q(status="active"),
                name="whitelist_one_active_entry",
                violation_error_message=_("The institution already has an active whitelist entry."),
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="whitelist_entry_validity_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(scopes__contained_by=SCOPE_VALUES), name="whitelist_entry_scopes_known"
            ),
            models.CheckConstraint(
                condition=models.Q(filing_no__regex=r"^HTWL-[0-9]{4}-[0-9]{6}$"), name="whitelist_filing_no_format"
            ),
        ]

    def __str__(self):
        return self.filing_no

    @property
    def scope_labels(self) -> list[str]:
        return scope_labels(self.scopes)

    def is_valid_on(self, day) -> bool:
        return self.status == EntryStatus.ACTIVE and self.valid_from <= day <= self.valid_until


class FilingCounter(models.Model):
    """The last filing number issued in a year; an upsert on this row serialises concurrent approvals."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("filing counter")
        verbose_name_plural = _("filing counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


@audited(exclude=["token_hash", "nonce"])
class Invitation(models.Model):
    """An owner's invitation of a person, by e-mail, to join the institution in a role."""

    institution = models.ForeignKey(
        "zone.Institution", on_delete=models.CASCADE, related_name="invitations", verbose_name=_("institution")
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"), max_length=10, choices=[("owner", _("Owner")), ("filer", _("Filer")), ("viewer", _("Viewer"))]
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # With the portal's secret key, derives the link's secret (the e-mail task writes the link from it).
    nonce = models.CharField(max_length=32, blank=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.institution}"
