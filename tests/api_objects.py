"""How to make "a record of institution X" for each model the partner API serves.

The API contract (tests/hetao/test_api_contract.py) walks every route of the router and, for
each viewset, makes a record of one institution and asks for it as another: it finds the recipe
here by the viewset's model. A viewset whose model has no recipe fails the contract, so a new
app registers one with `@builds(Model)` next to the others:

    @builds(Declaration, create_body=lambda institution: {"institution": institution.pk, ...})
    def _declaration(institution, member) -> Built:
        declaration = services.declaration_create(...)
        return Built(declaration, url_kwargs={"item_id": declaration.items.first().pk})

- `institution` is the owning institution and `member` one of its owners. Reference data
  (parks, sites) ignores both.
- `url_kwargs` fills the URL arguments of sub-resources besides the object's own lookup
  (`documents/<document_id>/download/`).
- `private` lists texts of the record that nobody outside its institution may read: the contract
  looks for them in every answer given to another institution and to the public.
- `create_body` (for viewsets whose list accepts POST) is a valid body creating a record for the
  institution it is given; the contract sends it naming another institution and expects a 404.

`URL_VALUES` fills the URL arguments of API views outside the router (the public verification
of a filing number): argument name → (model, attribute) of a record made here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pghistory.models

from hetao.models import BatchFiling, User
from tests.factories import ParkFactory, SiteFactory
from tests.zone.whitelist_helpers import make_reviewer, pdf_upload
from zone import services
from zone.models import (
    ApplicationComment,
    DataExportFiling,
    Institution,
    NegativeListEntry,
    Park,
    Site,
    WhitelistApplication,
    WhitelistEntry,
)


@dataclass
class Built:
    obj: object
    url_kwargs: dict = field(default_factory=dict)
    private: list[str] = field(default_factory=list)


@dataclass
class Recipe:
    build: Callable[[Institution, User], Built]
    create_body: Callable[[Institution], dict] | None = None


RECIPES: dict[type, Recipe] = {}


def builds(model: type, *, create_body: Callable[[Institution], dict] | None = None):
    def register(function):
        RECIPES[model] = Recipe(build=function, create_body=create_body)
        return function

    return register


def private_of(institution: Institution) -> list[str]:
    """What identifies an institution: no other institution's answer, nor a public one, may contain it."""
    return [value for value in (institution.registration_no, institution.email, institution.name_en) if value]


# -- zone: reference data ---------------------------------------------------------------------------


@builds(Park)
def _park(institution, member) -> Built:
    return Built(ParkFactory())


@builds(Site)
def _site(institution, member) -> Built:
    return Built(SiteFactory())


# -- zone: institutions and the whitelist --------------------------------------------------------


@builds(Institution)
def _institution(institution, member) -> Built:
    return Built(institution, private=private_of(institution))


def _application_body(institution) -> dict:
    return {
        "institution": institution.pk,
        "requested_scopes": ["goods"],
        "justification": f"Reagents for the laboratory of {institution.registration_no}.",
    }


@builds(WhitelistApplication, create_body=_application_body)
def _application(institution, member) -> Built:
    """A submitted application with a document and a comment the applicant sees."""
    application = services.application_create(
        institution=institution,
        actor=member,
        requested_scopes=["goods", "research_funds"],
        research_fields="Biomedicine",
        justification=f"Reagents for the laboratory of {institution.registration_no}.",
    )
    document = services.document_add(
        application_id=application.pk, actor=member, kind="research_plan", uploaded=pdf_upload()
    )
    services.comment_add(
        application_id=application.pk,
        actor=member,
        body=f"Lab list of {institution.registration_no} attached.",
        visibility=ApplicationComment.Visibility.APPLICANT,
    )
    services.application_submit(application_id=application.pk, actor=member)
    application.refresh_from_db()
    return Built(application, url_kwargs={"document_id": document.pk}, private=private_of(institution))


@builds(WhitelistEntry)
def _entry(institution, member) -> Built:
    """An active whitelist entry, from an approved application."""
    application = _application(institution, member).obj
    reviewer = make_reviewer()
    services.application_assign(application_id=application.pk, reviewer=reviewer, actor=reviewer)
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    return Built(entry, private=private_of(institution))


# -- hetao: the audit trail -------------------------------------------------------------------------


@builds(pghistory.models.MiddlewareEvents)
def _audit_event(institution, member) -> Built:
    """The event that recorded the institution's creation."""
    event = pghistory.models.MiddlewareEvents.objects.filter(
        pgh_obj_model=Institution._meta.label, pgh_obj_id=str(institution.pk)
    ).first()
    assert event is not None, f"no audit event records the creation of {institution!r}"
    return Built(event, private=private_of(institution))


# -- API views outside the router -------------------------------------------------------------------

URL_VALUES: dict[str, tuple[type, str]] = {
    "filing_no": (WhitelistEntry, "filing_no"),
    "kind": (BatchFiling, "kind"),
}


# -- zone: data export filings and the negative list ------------------------------------------------


def data_whitelisted(institution: Institution, scopes=("data",)) -> WhitelistEntry:
    """The institution's whitelist entry, active today with `scopes` (its entry is extended, or one made)."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    entry = WhitelistEntry.objects.filter(institution=institution, status="active").first()
    if entry is not None:
        entry.scopes = sorted(set(entry.scopes) | set(scopes))
        entry.save(update_fields=["scopes", "updated_at"])
        return entry
    return WhitelistEntry.objects.create(
        institution=institution,
        filing_no=services.next_filing_no(today),
        scopes=sorted(scopes),
        valid_from=today - timedelta(days=30),
        valid_until=today + timedelta(days=700),
    )


def export_values(**overrides) -> dict:
    """A complete filing of general research data to the Hong Kong park, for the next 90 days."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    values = {
        "title": "Sequencing run statistics",
        "categories": ["general"],
        "record_count": 12_000,
        "person_count": 0,
        "destination": "hk_park",
        "recipient": "Joint laboratory, Hong Kong park",
        "purpose": "Joint analysis",
        "channel": "Dedicated international data channel",
        "security_measures": "Encrypted transfer",
        "period_start": today,
        "period_end": today + timedelta(days=90),
    }
    values.update(overrides)
    return values


def export_filing(institution: Institution, member: User, *, submit: bool = False, **overrides):
    """A draft (or, with `submit`, a submitted) data export filing; submitting whitelists the institution for data."""
    filing = services.export_filing_create(institution=institution, actor=member, **export_values(**overrides))
    if submit:
        data_whitelisted(institution)
        filing = services.export_filing_submit(filing_id=filing.pk, actor=member)
    filing.refresh_from_db()
    return filing


def _export_body(institution) -> dict:
    values = export_values(title=f"Data of {institution.registration_no}")
    return {
        "institution": institution.pk,
        **{name: value.isoformat() if hasattr(value, "isoformat") else value for name, value in values.items()},
    }


@builds(DataExportFiling, create_body=_export_body)
def _data_export_filing(institution, member) -> Built:
    """A submitted filing that needs a security assessment, its explanation kept."""
    filing = export_filing(
        institution,
        member,
        submit=True,
        title=f"Genomes of {institution.registration_no}",
        categories=["human_genetic"],
        person_count=40,
        reference=f"DX-{institution.registration_no}",
    )
    return Built(filing, private=[*private_of(institution), filing.title, filing.reference])


@builds(NegativeListEntry)
def _negative_list_entry(institution, member) -> Built:
    """Reference data kept by staff: an entry of the negative list (no institution owns it)."""
    entry = services.negative_list_entry_save(
        instance=NegativeListEntry(
            category="important", min_records=1_000_000, destinations="abroad", outcome="refused", name_en="Refused."
        ),
        actor=make_reviewer(),
    )
    return Built(entry)


# -- zone and customs: registered persons and their passage checks --------------------------------

from customs.models import PassageCheck  # noqa: E402 - this part stands on its own
from customs.services import passage_check  # noqa: E402
from tests.zone import people_helpers  # noqa: E402
from zone.models import RegisteredPerson  # noqa: E402


def _personnel_entry(institution) -> None:
    """Give the institution an active whitelist entry with the personnel scope, once."""
    if services.personnel_entry(institution.pk) is None:
        people_helpers.whitelisted(scopes=["goods", "personnel"], institution=institution)


def _person_body(institution) -> dict:
    return {
        "institution": institution.pk,
        "name_en": "Ada Ng",
        "document_type": "passport",
        "document_number": people_helpers.passport_number(),
        "nationality": "GB",
        "valid_from": "2030-01-01",
        "valid_until": "2031-12-31",
    }


@builds(RegisteredPerson, create_body=_person_body)
def _person(institution, member) -> Built:
    """A submitted registration of a person of the institution."""
    _personnel_entry(institution)
    number = people_helpers.passport_number()
    person = people_helpers.submitted_person(
        institution, member, name_en=f"Researcher of {institution.registration_no}", document_number=number
    )
    return Built(person, private=[*private_of(institution), person.name_en, number])


@builds(PassageCheck)
def _passage_check(institution, member) -> Built:
    """A customs officer's check of an approved person of the institution."""
    _personnel_entry(institution)
    number = people_helpers.passport_number()
    person = people_helpers.approved_person(
        institution,
        member,
        make_reviewer(),
        name_en=f"Carrier of {institution.registration_no}",
        document_number=number,
    )
    check = passage_check(
        checkpoint=people_helpers.checkpoint(),
        document_type=person.document_type,
        document_number=number,
        actor=people_helpers.customs_officer(),
    )
    return Built(check, private=[*private_of(institution), person.name_en, number])


# -- customs: checkpoints, declarations, stock, risk rules ----------------------------------------

from customs.models import Checkpoint, Declaration, GatePassage, RiskRule, StockBalance  # noqa: E402
from customs.services import gate_pass  # noqa: E402
from tests.customs import declaration_helpers  # noqa: E402


@builds(Checkpoint)
def _checkpoint(institution, member) -> Built:
    """Reference data: a checkpoint (no institution owns it)."""
    return Built(declaration_helpers.checkpoint("HT-FL-CARGO"))


def _goods_entry(institution) -> None:
    if not WhitelistEntry.objects.filter(institution=institution, status="active", scopes__contains=["goods"]).exists():
        people_helpers.whitelisted(scopes=["goods", "personnel"], institution=institution)


def _declaration_body(institution) -> dict:
    return {
        "institution": institution.pk,
        "line": "first",
        "direction": "into_park",
        "checkpoint": declaration_helpers.checkpoint("HT-FL-CARGO").code,
        "planned_date": "2030-06-01",
        "transport_mode": "vehicle",
        "items": [
            {
                "hs_code": "9027.20",
                "description": "Gas chromatograph",
                "quantity": "1",
                "unit": "pcs",
                "value": "90000.00",
                "currency": "HKD",
                "origin": "DE",
                "category": "instrument",
            }
        ],
    }


@builds(Declaration, create_body=_declaration_body)
def _declaration(institution, member) -> Built:
    """A filed declaration of the institution, its rules kept."""
    _goods_entry(institution)
    reference = f"CD-{institution.registration_no}"
    declaration = declaration_helpers.filed(
        institution,
        member,
        reference=reference,
        items=[declaration_helpers.item(description=f"Instrument of {institution.registration_no}")],
    )
    return Built(declaration, private=[*private_of(institution), reference])


@builds(StockBalance)
def _stock_balance(institution, member) -> Built:
    """The stock a released first-line entry gave the institution."""
    _goods_entry(institution)
    declaration = declaration_helpers.released(
        institution,
        member,
        declaration_helpers.officer(),
        items=[declaration_helpers.item(description=f"Stock of {institution.registration_no}")],
    )
    balance = StockBalance.objects.get(institution=institution, subheading_id="902720", unit="pcs")
    return Built(balance, private=[*private_of(institution), declaration.number])


@builds(RiskRule)
def _risk_rule(institution, member) -> Built:
    """Reference data kept by customs officers: a rule of the set."""
    return Built(RiskRule.objects.order_by("priority").first())


@builds(GatePassage)
def _gate_passage(institution, member) -> Built:
    """The crossing of a released declaration of the institution, recorded by its slip."""
    _goods_entry(institution)
    customs = declaration_helpers.officer()
    declaration = declaration_helpers.released(institution, member, customs)
    passage = gate_pass(slip_number=declaration.slip_number, checkpoint=declaration.checkpoint, actor=customs)
    return Built(passage, private=[*private_of(institution), declaration.number])


# -- batch filings -----------------------------------------------------------------------------------


def _batch_body(institution) -> dict:
    return {"institution": institution.pk, "kind": "customs_declarations"}


@builds(BatchFiling, create_body=_batch_body)
def _batch(institution, member) -> Built:
    """A batch the institution filed, its file rejected (no worker runs in the contract)."""
    batch = BatchFiling.objects.create(
        kind="customs_declarations",
        uploaded_by=member,
        institution=institution,
        file="batches/contract.dat",
        stored_name="contract.dat",
        original_name=f"declarations-{institution.registration_no}.csv",
        sha256=f"{institution.pk:064d}",
        size=10,
        status="rejected",
        message="The file is empty.",
    )
    return Built(
        batch, url_kwargs={"kind": "customs_declarations"}, private=[*private_of(institution), batch.original_name]
    )
