"""The zone: parks, sites, institutions and their members."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from hetao.audit import audited
from hetao.i18n import TrilingualNameMixin
from hetao.visibility import VisibleToQuerySet

from .. import validators


class Jurisdiction(models.TextChoices):
    MAINLAND = "mainland", _("Mainland China")
    HKSAR = "hksar", _("Hong Kong SAR")


@audited()
class Park(TrilingualNameMixin, models.Model):
    """One of the two parks of the zone: the Shenzhen park or the Hong Kong park."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=16, choices=Jurisdiction.choices)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(area_km2__gte=0), name="park_area_non_negative")]

    def __str__(self):
        return f"{self.code} · {self.name}"


@audited()
class Site(TrilingualNameMixin, models.Model):
    """A building, industrial park or facility inside a park, with its floor area."""

    class Kind(models.TextChoices):
        BUILDING = "building", _("Building")
        INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
        FACILITY = "facility", _("Facility")

    park = models.ForeignKey(Park, on_delete=models.PROTECT, related_name="sites", verbose_name=_("park"))
    code = models.CharField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["park__code", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(floor_area_m2__gte=0), name="site_floor_area_non_negative")
        ]
        # Name search is `icontains`, which PostgreSQL runs as UPPER(col) LIKE UPPER('%…%'):
        # trigram indexes on exactly that expression keep it fast at a million sites.
        indexes = [
            GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=f"site_{column}_trgm")
            for column in ("name_en", "name_zh_hans", "name_zh_hant")
        ]

    def __str__(self):
        return self.name


class InstitutionQuerySet(VisibleToQuerySet):
    def get_by_registration_no(self, value: str) -> "Institution":
        """The institution registered with this number (spaces, dashes and case do not matter)."""
        return self.get(registration_no=validators.normalise_registration_no(value))


@audited()
class Institution(TrilingualNameMixin, models.Model):
    """A research institution or enterprise that files with the zone, identified by its registration."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        RESEARCH_INSTITUTE = "research_institute", _("Research institute")
        ENTERPRISE = "enterprise", _("Enterprise")
        LABORATORY = "laboratory", _("Laboratory")
        PLATFORM = "platform", _("Platform")

    class RegistrationType(models.TextChoices):
        USCC = "uscc", _("Unified Social Credit Code (mainland)")
        HK_BR = "hk_br", _("Business Registration number (Hong Kong)")
        HK_STATUTORY = "hk_statutory", _("Statutory body identifier (Hong Kong)")

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=16, choices=Jurisdiction.choices)
    registration_type = models.CharField(_("registration type"), max_length=16, choices=RegistrationType.choices)
    registration_no = models.CharField(_("registration number"), max_length=30)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = InstitutionQuerySet.as_manager()
    tenant_field = "pk"

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name_en"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_type", "registration_no"],
                name="institution_registration_unique",
                violation_error_message=_("An institution with this registration number is already registered."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(registration_type="uscc", jurisdiction="mainland")
                    | models.Q(registration_type__in=["hk_br", "hk_statutory"], jurisdiction="hksar")
                ),
                name="institution_registration_matches_jurisdiction",
                violation_error_message=_(
                    "Mainland institutions register with a Unified Social Credit Code; "
                    "Hong Kong institutions with a Business Registration number or statutory-body identifier."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.registration_no = validators.normalise_registration_no(self.registration_no)
        check = {
            self.RegistrationType.USCC: validators.validate_uscc,
            self.RegistrationType.HK_BR: validators.validate_hk_br,
            self.RegistrationType.HK_STATUTORY: validators.validate_hk_statutory,
        }.get(self.registration_type)
        if check:
            try:
                check(self.registration_no)
            except ValidationError as error:
                raise ValidationError({"registration_no": error}) from None


@audited()
class Membership(models.Model):
    """A user's role in an institution: owners invite members, filers file, viewers read."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        FILER = "filer", _("Filer")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("institution")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VisibleToQuerySet.as_manager()
    tenant_field = "institution"

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["institution_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="membership_user_institution_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.institution} · {self.get_role_display()}"
