"""Demo data of the real zone for `manage.py seed_demo`: parks, sites, checkpoints, institutions, accounts.

Every record is keyed by its natural key (park code, site code, checkpoint code, registration,
username), so seeding twice changes nothing; records are validated by the models' own checks
and only saved when a value differs, so a second run leaves no audit events behind.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from hetao import registry, roles
from hetao.demo import upsert
from hetao.models import ApiScope, ApiToken, User
from hetao.services import api_token_create, api_token_revoke, user_create, user_update

from .models import Institution, Jurisdiction, Membership, Park, Site
from .services import institution_save, membership_set, reference_save
from .validators import USCC_ALPHABET, uscc_check_character

DEMO_PASSWORD = "hetao-demo-2026"  # noqa: S105 - printed to the operator; seed_demo refuses to run in production
PARTNER_SYSTEM_NAME = "Demo partner system"
PARTNER_USERNAME = "partner"
PARTNER_SCOPES = [
    ApiScope.WHITELIST_READ,
    ApiScope.WHITELIST_WRITE,
    ApiScope.CUSTOMS_READ,
    ApiScope.CUSTOMS_WRITE,
    ApiScope.BATCHES_WRITE,
]

# GB 11714-1997 organisation code: 8 characters and a check character, weights below.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(body: str) -> str:
    """The 9-character organisation code (positions 9-17 of a USCC) for an 8-character body."""
    value = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
    check = 11 - sum(value[c] * w for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def uscc(registration_authority: str, entity_type: str, division: str, organisation_body: str) -> str:
    """A GB 32100-2015 Unified Social Credit Code with its check character."""
    first17 = registration_authority + entity_type + division + organisation_code(organisation_body)
    assert len(first17) == 17 and all(c in USCC_ALPHABET for c in first17), first17
    return first17 + uscc_check_character(first17)


# 440304: Futian District, Shenzhen, where the Shenzhen park lies.
# "91": an enterprise registered with market regulation; "12": a public institution (事业单位).
ENTERPRISE_USCC = uscc("9", "1", "440304", "MA5HT0Q1")
INSTITUTE_USCC = uscc("1", "2", "440304", "MB2C7048")

PARKS = [
    {
        "code": "SZ",
        "name_en": "Shenzhen Park",
        "name_zh_hans": "深圳园区",
        "name_zh_hant": "深圳園區",
        "jurisdiction": Jurisdiction.MAINLAND,
        "area_km2": Decimal("3.02"),
    },
    {
        "code": "HK",
        "name_en": "Hong Kong Park (Hong Kong–Shenzhen Innovation and Technology Park)",
        "name_zh_hans": "香港园区（港深创新及科技园）",
        "name_zh_hant": "香港園區（港深創新及科技園）",
        "jurisdiction": Jurisdiction.HKSAR,
        "area_km2": Decimal("0.87"),
    },
]

# The Shenzhen park has 800,000 m² of prepared research and industrial space in 11 industrial
# parks; the demo sites stay within it (see SHENZHEN_PREPARED_SPACE_M2).
SHENZHEN_PREPARED_SPACE_M2 = Decimal("800000")
SITES = [
    ("SZ", "SZ-HKSP", Site.Kind.FACILITY, "98000", "Hong Kong Science Park Shenzhen Branch",
     "香港科学园深圳分园", "香港科學園深圳分園"),
    ("SZ", "SZ-SVC", Site.Kind.FACILITY, "32000",
     "Shenzhen–Hong Kong Science and Technology Comprehensive Service Center",
     "深港科技创新综合服务中心", "深港科技創新綜合服務中心"),
    ("SZ", "SZ-OIC", Site.Kind.FACILITY, "85000", "Shenzhen–Hong Kong Open Innovation Center",
     "深港开放创新中心", "深港開放創新中心"),
    ("SZ", "SZ-IP01", Site.Kind.INDUSTRIAL_PARK, "120000",
     "Shenzhen–Hong Kong International Science and Technology Park", "深港国际科技园", "深港國際科技園"),
    ("SZ", "SZ-IP02", Site.Kind.INDUSTRIAL_PARK, "105000", "Futian Bonded Zone Innovation Park",
     "福田保税区创新产业园", "福田保稅區創新產業園"),
    ("SZ", "SZ-IP03", Site.Kind.INDUSTRIAL_PARK, "96000", "Hetao Biomedical Industrial Park",
     "河套生物医药产业园", "河套生物醫藥產業園"),
    ("SZ", "SZ-IP04", Site.Kind.INDUSTRIAL_PARK, "88000", "Hetao Quantum and Information Technology Park",
     "河套量子与信息技术产业园", "河套量子與信息技術產業園"),
    ("HK", "HK-HSITP1", Site.Kind.BUILDING, "130000", "Hong Kong–Shenzhen Innovation and Technology Park, Batch 1",
     "港深创新及科技园第一批次", "港深創新及科技園第一批次"),
]  # fmt: skip

HK_UNIVERSITY = ("hk_statutory", "LRU-CAP1199")
SZ_ENTERPRISE = ("uscc", ENTERPRISE_USCC)
BIO_INSTITUTE = ("uscc", INSTITUTE_USCC)
INSTITUTIONS = [
    {
        "registration_type": Institution.RegistrationType.HK_STATUTORY,
        "registration_no": HK_UNIVERSITY[1],
        "kind": Institution.Kind.UNIVERSITY,
        "jurisdiction": Jurisdiction.HKSAR,
        "name_en": "Lion Rock University",
        "name_zh_hans": "狮子山大学",
        "name_zh_hant": "獅子山大學",
        "email": "research-office@lru.example.edu.hk",
        "website": "https://lru.example.edu.hk/",
    },
    {
        "registration_type": Institution.RegistrationType.USCC,
        "registration_no": SZ_ENTERPRISE[1],
        "kind": Institution.Kind.ENTERPRISE,
        "jurisdiction": Jurisdiction.MAINLAND,
        "name_en": "Shenzhen Hetao Quantum Devices Co., Ltd.",
        "name_zh_hans": "深圳河套量子器件有限公司",
        "name_zh_hant": "深圳河套量子器件有限公司",
        "email": "compliance@htquantum.example.cn",
        "address": "Futian District, Shenzhen",
    },
    {
        "registration_type": Institution.RegistrationType.HK_BR,
        "registration_no": "68412357",
        "kind": Institution.Kind.ENTERPRISE,
        "jurisdiction": Jurisdiction.HKSAR,
        "name_en": "Harbourfront Robotics Limited",
        "name_zh_hans": "海港机械人有限公司",
        "name_zh_hant": "海港機械人有限公司",
        "email": "ops@harbourfront-robotics.example.hk",
    },
    {
        "registration_type": Institution.RegistrationType.USCC,
        "registration_no": INSTITUTE_USCC,
        "kind": Institution.Kind.RESEARCH_INSTITUTE,
        "jurisdiction": Jurisdiction.MAINLAND,
        "name_en": "Shenzhen Hetao Institute of Biomedical Research",
        "name_zh_hans": "深圳河套生物医药研究院",
        "name_zh_hant": "深圳河套生物醫藥研究院",
        "email": "office@htbio.example.cn",
    },
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    staff_role: str | None = None
    superuser: bool = False
    institution: tuple[str, str] | None = None  # (registration type, number)
    membership_role: str | None = None
    language: str = "en"
    can_sign_in: bool = True


ACCOUNTS = [
    DemoAccount("admin", "Ada", "Chan", staff_role=roles.ZONE_ADMIN, superuser=True),
    DemoAccount("reviewer", "Wing", "Lee", staff_role=roles.WHITELIST_REVIEWER, language="zh-hant"),
    DemoAccount("customs", "Jun", "Zhang", staff_role=roles.CUSTOMS_OFFICER, language="zh-hans"),
    DemoAccount("funds", "Mei", "Wong", staff_role=roles.FUND_OFFICER),
    DemoAccount("projects", "Hao", "Li", staff_role=roles.PROJECT_OFFICER, language="zh-hans"),
    DemoAccount("auditor", "Ka", "Ho", staff_role=roles.AUDITOR),
    DemoAccount("owner-sz", "Lin", "Chen", institution=SZ_ENTERPRISE, membership_role="owner", language="zh-hans"),
    DemoAccount("owner-hk", "Siu", "Cheung", institution=HK_UNIVERSITY, membership_role="owner", language="zh-hant"),
    DemoAccount("filer", "Yan", "Zhou", institution=SZ_ENTERPRISE, membership_role="filer", language="zh-hans"),
    DemoAccount("viewer", "Tak", "Lau", institution=HK_UNIVERSITY, membership_role="viewer"),
    DemoAccount("owner-bio", "Qing", "Huang", institution=BIO_INSTITUTE, membership_role="owner", language="zh-hans"),
    # The account of the university's back-office system: signs in with its API token only.
    DemoAccount(
        PARTNER_USERNAME, "Partner", "System", institution=HK_UNIVERSITY, membership_role="filer", can_sign_in=False
    ),
]


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    token: ApiToken | None = None
    token_secret: str | None = None  # only when the token was created by this run
    revoked_token: ApiToken | None = None  # the previous one, replaced on request
    # What the steps other apps (and the zone's own parts) add can build on (hetao.registry.demo_step).
    parks: dict = field(default_factory=dict)
    institutions: dict = field(default_factory=dict)  # by (registration type, number)
    users: dict = field(default_factory=dict)  # by username
    notes: list[str] = field(default_factory=list)  # lines the command prints after the counts

    def count(self, label, created: bool, changed: bool) -> None:
        label = str(label)  # a model's verbose name, in the active language
        if created:
            self.created[label] = self.created.get(label, 0) + 1
        elif changed:
            self.updated[label] = self.updated.get(label, 0) + 1


def _account(spec: DemoAccount, institutions: dict, password_hash: str, result: SeedResult) -> User:
    user = User.objects.filter(username=spec.username).first()
    created = user is None
    if created:
        user = user_create(
            username=spec.username,
            email=f"{spec.username}@hetao.example",
            password=None,  # set below from the shared hash
            staff_role=spec.staff_role,
            language=spec.language,
            first_name=spec.first_name,
            last_name=spec.last_name,
        )
    wanted = {
        "is_staff": spec.staff_role is not None or spec.superuser,
        "is_superuser": spec.superuser,
        "is_active": True,
        "language": spec.language,
    }
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    # The printed password must be true, whatever was done to the account since the last run.
    # One hash serves every account: hashing is deliberately slow, and the password is shared anyway.
    user = user_update(
        user_id=user.pk,
        fields=wanted,
        staff_role=spec.staff_role,
        password_hash=password_hash if spec.can_sign_in else None,
    )
    if spec.institution:
        membership = Membership.objects.filter(user=user, institution=institutions[spec.institution]).first()
        membership_set(user=user, institution=institutions[spec.institution], role=spec.membership_role)
        changed = changed or membership is None or membership.role != spec.membership_role
    result.count(User._meta.verbose_name_plural, created, bool(changed))
    return user


def _token(owner: User, institution: Institution, new_token: bool, actor: User, result: SeedResult) -> None:
    existing = ApiToken.objects.usable().filter(owner=owner, name=PARTNER_SYSTEM_NAME).order_by("pk").first()
    if existing is not None and new_token:
        result.revoked_token = api_token_revoke(token_id=existing.pk, actor=actor)
        existing = None
    if existing is not None:
        result.token = existing
        return
    result.token, result.token_secret = api_token_create(
        owner=owner,
        name=PARTNER_SYSTEM_NAME,
        scopes=[scope.value for scope in PARTNER_SCOPES],
        institution=institution,
        created_by=actor,
    )
    result.count(ApiToken._meta.verbose_name_plural, True, True)


@transaction.atomic
def seed(*, new_token: bool = False) -> SeedResult:
    """Create or refresh the demo zone; returns what changed and the demo API token."""
    result = SeedResult()
    parks = {}
    for values in PARKS:
        values = dict(values)
        park, created, changed = upsert(Park, {"code": values.pop("code")}, values, reference_save)
        parks[park.code] = park
        result.count(Park._meta.verbose_name_plural, created, changed)
    result.parks = parks
    for park_code, code, kind, area, name_en, name_zh_hans, name_zh_hant in SITES:
        values = {
            "park": parks[park_code],
            "kind": kind,
            "floor_area_m2": Decimal(area),
            "name_en": name_en,
            "name_zh_hans": name_zh_hans,
            "name_zh_hant": name_zh_hant,
        }
        _site, created, changed = upsert(Site, {"code": code}, values, reference_save)
        result.count(Site._meta.verbose_name_plural, created, changed)
    institutions = {}
    for values in INSTITUTIONS:
        values = dict(values)
        key = {"registration_type": values.pop("registration_type"), "registration_no": values.pop("registration_no")}
        institution, created, changed = upsert(Institution, key, values, institution_save)
        institutions[(institution.registration_type, institution.registration_no)] = institution
        result.count(Institution._meta.verbose_name_plural, created, changed)
    validate_password(DEMO_PASSWORD)
    password_hash = make_password(DEMO_PASSWORD)
    users = {spec.username: _account(spec, institutions, password_hash, result) for spec in ACCOUNTS}
    _token(users[PARTNER_USERNAME], institutions[HK_UNIVERSITY], new_token, users["admin"], result)
    _whitelist(users, institutions, result)
    result.institutions, result.users = institutions, users
    # The parts registered by the apps (checkpoints, registered persons, data export filings, …).
    for step in registry.demo_steps():
        step(result)
    return result


def _demo_pdf(title: str) -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", out.getvalue())


def _whitelist(users: dict, institutions: dict, result: SeedResult) -> None:
    """Two institutions already on the whitelist, one application waiting in the review queue.

    Both go through the workflow services, like a real filing; an institution that has any
    application already is left as it is, so seeding twice files nothing new.
    """
    from . import services
    from .models import WhitelistApplication

    enterprise, university = institutions[SZ_ENTERPRISE], institutions[HK_UNIVERSITY]
    if not WhitelistApplication.objects.filter(institution=enterprise).exists():
        application = services.application_create(
            institution=enterprise,
            actor=users["filer"],
            requested_scopes=["goods", "research_funds", "personnel", "data"],
            research_fields="Quantum computing devices; cryogenic measurement",
            justification="Dilution refrigerator parts and reagents cross the first line every month.",
        )
        services.document_add(
            application_id=application.pk,
            actor=users["filer"],
            kind="research_plan",
            uploaded=_demo_pdf("Research plan"),
        )
        services.application_submit(application_id=application.pk, actor=users["filer"])
        services.application_assign(application_id=application.pk, reviewer=users["reviewer"], actor=users["reviewer"])
        services.application_approve(application_id=application.pk, actor=users["reviewer"], note="Demo approval")
        result.count(WhitelistApplication._meta.verbose_name_plural, True, True)
    institute = institutions[BIO_INSTITUTE]
    if not WhitelistApplication.objects.filter(institution=institute).exists():
        application = services.application_create(
            institution=institute,
            actor=users["owner-bio"],
            requested_scopes=["goods", "special_items", "personnel", "data"],
            research_fields="Biomedicine; cell therapy; human genetic resources",
            justification="Researchers carry samples to the Hong Kong park; sequencing data goes to partners there.",
        )
        services.document_add(
            application_id=application.pk,
            actor=users["owner-bio"],
            kind="biosafety_management",
            uploaded=_demo_pdf("Biosafety management"),
        )
        services.application_submit(application_id=application.pk, actor=users["owner-bio"])
        services.application_assign(application_id=application.pk, reviewer=users["reviewer"], actor=users["reviewer"])
        services.application_approve(application_id=application.pk, actor=users["reviewer"], note="Demo approval")
        result.count(WhitelistApplication._meta.verbose_name_plural, True, True)
    if not WhitelistApplication.objects.filter(institution=university).exists():
        application = services.application_create(
            institution=university,
            actor=users["owner-hk"],
            requested_scopes=["goods", "special_items", "data"],
            research_fields="Biomedicine; human tissue samples",
            justification="Joint laboratory with a Shenzhen hospital; tissue samples move under permit.",
        )
        services.document_add(
            application_id=application.pk,
            actor=users["owner-hk"],
            kind="research_plan",
            uploaded=_demo_pdf("Joint laboratory plan"),
        )
        services.application_submit(application_id=application.pk, actor=users["owner-hk"])
        result.count(WhitelistApplication._meta.verbose_name_plural, True, True)
