"""Accounts and API tokens: the principals of the portal."""

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetao.audit import audited
from hetao.visibility import VisibleToQuerySet


@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in: zone staff (by group) or a member of institutions."""

    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Language of e-mails and notifications sent to this user."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("view_audit", _("Can read and export the audit trail"))]


class ApiScope(models.TextChoices):
    WHITELIST_READ = "whitelist:read", _("Read the whitelist and applications")
    WHITELIST_WRITE = "whitelist:write", _("File and change whitelist applications")
    CUSTOMS_READ = "customs:read", _("Read customs records")
    CUSTOMS_WRITE = "customs:write", _("File and change customs records")
    FUNDING_READ = "funding:read", _("Read funding records")
    FUNDING_WRITE = "funding:write", _("File and change fund flows")
    PROJECTS_READ = "projects:read", _("Read projects")
    PROJECTS_WRITE = "projects:write", _("Change projects")
    BATCHES_WRITE = "batches:write", _("Upload batch filings")
    PEOPLE_READ = "people:read", _("Read registered persons and check passages")
    PEOPLE_WRITE = "people:write", _("Register persons")
    DATA_READ = "data:read", _("Read data export filings")
    DATA_WRITE = "data:write", _("File data exports")
    AUDIT_READ = "audit:read", _("Read the audit trail")


def hash_token_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


@audited(exclude=["last_used_at", "last_used_ip", "secret_hash"])
class ApiToken(models.Model):
    """A bearer token for a partner system. Only the SHA-256 of the secret is stored."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("owner")
    )
    institution = models.ForeignKey(
        "zone.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("institution"),
        help_text=_("A bound token sees only this institution's records."),
    )
    key_prefix = models.CharField(_("key prefix"), max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(
        models.CharField(max_length=32, choices=ApiScope.choices), verbose_name=_("scopes"), default=list
    )
    allowed_ips = ArrayField(
        models.CharField(max_length=64),
        verbose_name=_("allowed IP networks"),
        default=list,
        blank=True,
        help_text=_("Empty: any address. Otherwise addresses or CIDR networks, e.g. 203.0.113.0/24."),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scopes__contained_by=[s.value for s in ApiScope]), name="apitoken_scopes_known"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def generate_secret() -> str:
        return settings.API_TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    def ip_allowed(self, ip: str | None) -> bool:
        if not self.allowed_ips:
            return True
        if not ip:
            return False
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in self.allowed_ips)


class Notification(models.Model):
    """A message in a user's in-portal notification list; the same message goes out by e-mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.subject

    def rendered(self, language: str | None = None) -> tuple[str, str]:
        """(subject, body) in `language`, by default the reader's active language."""
        from django.utils import translation

        from hetao.notifications import render

        language = language or translation.get_language()
        cache = self.__dict__.setdefault("_rendered", {})
        if language not in cache:
            cache[language] = render(self.kind, self.params, language)
        return cache[language]

    @property
    def subject(self) -> str:
        return self.rendered()[0]

    @property
    def body(self) -> str:
        return self.rendered()[1]


class IdempotencyRecord(models.Model):
    """The answer given to a POST carrying an Idempotency-Key, replayed when the same request repeats."""

    principal = models.CharField(max_length=40)  # "token:<id>" or "user:<id>"
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_principal_key_unique")]

    def __str__(self):
        return f"{self.principal} {self.key}"


class AuditSeal(models.Model):
    """One link of the audit chain: an event's digest, chained by hash to the link before it (see hetao.audit).

    Written only by the database (the sealing trigger on every event table); the table refuses UPDATE,
    DELETE and TRUNCATE.
    """

    event_table = models.CharField(max_length=63)
    event_pk = models.BigIntegerField()
    row_digest = models.BinaryField()
    prev_hash = models.BinaryField()
    hash = models.BinaryField()
    sealed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")
        indexes = [models.Index(fields=["event_table", "event_pk", "id"], name="auditseal_event")]

    def __str__(self):
        return f"{self.pk}: {self.event_table} {self.event_pk}"


class AuditChainHead(models.Model):
    """The one row that sealing transactions lock in turn, so that the audit chain never forks."""

    holder = models.BigIntegerField(null=True)  # id of the last transaction that appended to the chain

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self):
        return f"audit chain {self.pk}"


class NumberSeries(models.Model):
    """The last number issued in a series and year (e.g. HTDX 2026); `hetao.numbering.next_number`
    raises it with an UPDATE … RETURNING, whose row lock serialises concurrent issuers."""

    series = models.CharField(_("series"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="number_series_unique")]

    def __str__(self):
        return f"{self.series}-{self.year}: {self.last}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Validating")
    IMPORTING = "importing", _("Importing")
    SUCCEEDED = "succeeded", _("Succeeded")
    PARTIALLY_SUCCEEDED = "partially_succeeded", _("Partially succeeded")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")


class BatchMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("All or nothing")
    VALID_ROWS_ONLY = "valid_rows_only", _("Valid rows only")


def _batch_path(instance, filename):
    # The stored name is generated by the server; the uploaded name is kept only as data.
    return f"batches/{instance.stored_name}"


@audited(exclude=["processed_rows"])
class BatchFiling(models.Model):
    """A file of many records filed at once (`hetao.batches`): who filed what, how it was read, and
    what became of it — counts, the error report, and the records it created."""

    kind = models.CharField(_("kind"), max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="batches", verbose_name=_("uploaded by")
    )
    institution = models.ForeignKey(
        "zone.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
        verbose_name=_("institution"),
        help_text=_("The institution the file is filed for; empty when each row names its own."),
    )
    file = models.FileField(_("file"), upload_to=_batch_path, max_length=300)
    stored_name = models.CharField(max_length=80, editable=False)
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    format = models.CharField(_("format"), max_length=8, blank=True)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    mode = models.CharField(_("mode"), max_length=16, choices=BatchMode.choices, default=BatchMode.ALL_OR_NOTHING)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED, db_index=True
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    ok_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    failed_rows = models.PositiveIntegerField(_("rows refused"), default=0)
    message = models.TextField(_("message"), blank=True)
    # The error report: [{"line", "column", "value", "message"}], in the uploader's language.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Which worker process took it ("host:pid"), and how many times one did (a lost worker's batch is taken again).
    worker = models.CharField(_("worker"), max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Seconds spent per phase of the last attempt: {"read": …, "check": …, "write": …}.
    timings = models.JSONField(_("timings"), default=dict, blank=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("batch filing")
        verbose_name_plural = _("batch filings")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.original_name}"
