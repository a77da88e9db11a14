"""The registered persons of the demo (`manage.py seed_demo`): a dozen researchers of the two
whitelisted demo institutions, registered, submitted and decided through the services like real
ones — most approved, one waiting for review, two designated carriers.

The document numbers are made up, valid by their rules (check characters computed here), and
exist in clear only in this module: the database holds them encrypted.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .demo import ENTERPRISE_USCC, INSTITUTE_USCC
from .models import RegisteredPerson
from .models.people import document_hash
from .validators import hk_id_check_character, mainland_id_check_character

ENTERPRISE = ("uscc", ENTERPRISE_USCC)
INSTITUTE = ("uscc", INSTITUTE_USCC)
FILERS = {ENTERPRISE: "filer", INSTITUTE: "owner-bio"}
REVIEWER = "reviewer"
VALIDITY = timedelta(days=2 * 365)


def mainland_id(region: str, born: str, sequence: str) -> str:
    first17 = f"{region}{born}{sequence}"
    return first17 + mainland_id_check_character(first17)


def hk_id(letters: str, digits: str) -> str:
    return f"{letters}{digits}({hk_id_check_character(letters, digits)})"


@dataclass(frozen=True)
class DemoPerson:
    institution: tuple[str, str]
    name_en: str
    name_zh: str
    document_type: str
    document_number: str
    nationality: str
    position: str
    designated_carrier: bool = False
    approved: bool = True


PERSONS = [
    DemoPerson(
        ENTERPRISE,
        "Chen Zhiyuan",
        "陈志远",
        "mainland_id",
        mainland_id("440304", "19840612", "031"),
        "CN",
        "Senior engineer, cryogenic systems",
        designated_carrier=True,
    ),
    DemoPerson(
        ENTERPRISE,
        "Liu Yating",
        "刘雅婷",
        "mainland_id",
        mainland_id("440305", "19910308", "046"),
        "CN",
        "Quantum device physicist",
    ),
    DemoPerson(
        ENTERPRISE,
        "Wong Ka Ming",
        "黃家明",
        "hk_id",
        hk_id("K", "372519"),
        "CN",
        "Postdoctoral fellow, superconducting qubits",
    ),
    DemoPerson(
        ENTERPRISE,
        "Zhao Lei",
        "赵磊",
        "mainland_id",
        mainland_id("110108", "19870921", "015"),
        "CN",
        "Laboratory manager",
    ),
    DemoPerson(
        ENTERPRISE,
        "Tam Wai Yin",
        "譚慧妍",
        "home_return_permit",
        "H60283517",
        "CN",
        "Research engineer, microwave electronics",
        approved=False,
    ),
    DemoPerson(
        ENTERPRISE, "Daniel Fischer", "", "passport", "C4J7M2K91", "DE", "Visiting scientist, cryogenic measurement"
    ),
    DemoPerson(
        INSTITUTE,
        "Huang Xiaomei",
        "黄晓梅",
        "mainland_id",
        mainland_id("440304", "19790215", "062"),
        "CN",
        "Principal investigator, cell therapy",
        designated_carrier=True,
    ),
    DemoPerson(
        INSTITUTE, "Lam Chi Fung", "林志鋒", "hk_id", hk_id("Y", "608241"), "CN", "Research assistant, virology"
    ),
    DemoPerson(
        INSTITUTE,
        "Sun Haoran",
        "孙浩然",
        "mainland_id",
        mainland_id("440306", "19930704", "078"),
        "CN",
        "Biobank coordinator",
    ),
    DemoPerson(INSTITUTE, "Priya Raman", "", "passport", "T8245173", "IN", "Bioinformatician, single-cell genomics"),
    DemoPerson(
        INSTITUTE,
        "Ho Man Kit",
        "何文傑",
        "home_return_permit",
        "H1047729316",
        "CN",
        "Postdoctoral fellow, genomics",
    ),
    DemoPerson(
        INSTITUTE,
        "Xu Jing",
        "徐静",
        "mainland_id",
        mainland_id("440303", "19950130", "024"),
        "CN",
        "Sample logistics officer",
    ),
]


def _registered(spec: DemoPerson) -> bool:
    return RegisteredPerson.objects.filter(
        document_type=spec.document_type, document_hash=document_hash(spec.document_type, spec.document_number)
    ).exists()


def seed_people(context) -> None:
    """Register the demo researchers once; a person whose document is registered already is left as it is."""
    from . import services

    reviewer = context.users[REVIEWER]
    today = timezone.localdate()
    for spec in PERSONS:
        if _registered(spec):
            continue
        institution = context.institutions[spec.institution]
        filer = context.users[FILERS[spec.institution]]
        entry = services.personnel_entry(institution.pk)
        valid_until = min(today + VALIDITY, entry.valid_until) if entry else today + VALIDITY
        person = services.person_create(
            institution=institution,
            actor=filer,
            name_en=spec.name_en,
            name_zh=spec.name_zh,
            document_type=spec.document_type,
            document_number=spec.document_number,
            nationality=spec.nationality,
            position=spec.position,
            valid_from=today,
            valid_until=valid_until,
            designated_carrier=spec.designated_carrier,
        )
        services.person_submit(person_id=person.pk, actor=filer)
        if spec.approved:
            services.person_approve(person_id=person.pk, actor=reviewer, note="Demo approval")
        context.count(RegisteredPerson._meta.verbose_name_plural, True, True)
