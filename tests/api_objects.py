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

from hetao.models import User
from tests.factories import ParkFactory, SiteFactory
from tests.zone.whitelist_helpers import make_reviewer, pdf_upload
from zone import services
from zone.models import ApplicationComment, Institution, Park, Site, WhitelistApplication, WhitelistEntry


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
}
