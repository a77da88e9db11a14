"""Registered persons and passage checks: the whitelist's personnel scope, checks at a checkpoint
(service, partner API, staff page), expiry, and the reviewer who is a member of the institution."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from customs import services as customs_services
from customs.models import PassageCheck
from hetao.errors import NotAllowed
from hetao.services import api_token_create
from tests.factories import MembershipFactory
from zone import services
from zone.models import Membership, PersonStatus, RegisteredPerson

from .people_helpers import (
    approved_person,
    checkpoint,
    customs_officer,
    draft_person,
    passport_number,
    person_fields,
    whitelisted,
)
from .whitelist_helpers import make_reviewer

pytestmark = pytest.mark.django_db

CHECK_URL = "/api/v1/people/check/"
PAGE_URL = "/staff/passage-check/"


def token_client(user, institution=None, scopes=("customs:read",)) -> APIClient:
    _token, secret = api_token_create(owner=user, name="checkpoint", scopes=list(scopes), institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def check(officer, number, *, at=None, document_type="passport"):
    return customs_services.passage_check(
        checkpoint=at or checkpoint("HT-NO1"),
        document_type=document_type,
        document_number=number,
        actor=officer,
    )


# --- 1. the whitelist's personnel scope ---------------------------------------------------------


def test_create_is_refused_without_the_personnel_scope():
    institution, filer, _reviewer, _entry = whitelisted(scopes=("goods",))
    with pytest.raises(ValidationError) as refused:
        draft_person(institution, filer)
    assert refused.value.code == "personnel_scope_missing"
    assert not RegisteredPerson.objects.filter(institution=institution).exists()


def test_create_and_submit_are_refused_while_the_entry_is_suspended():
    institution, filer, reviewer, entry = whitelisted()
    draft = draft_person(institution, filer)
    services.entry_suspend(entry_id=entry.pk, actor=reviewer, reason="Audit in progress")

    with pytest.raises(ValidationError) as on_create:
        draft_person(institution, filer)
    assert on_create.value.code == "personnel_scope_missing"

    with pytest.raises(ValidationError) as on_submit:
        services.person_submit(person_id=draft.pk, actor=filer)
    assert on_submit.value.code == "personnel_scope_missing"
    draft.refresh_from_db()
    assert draft.status == PersonStatus.DRAFT


# --- 2. passage checks --------------------------------------------------------------------------


def test_an_approved_person_is_valid_and_only_a_designated_carrier_may_hand_carry():
    institution, filer, reviewer, _entry = whitelisted()
    officer = customs_officer()
    hand_carry = checkpoint("HT-NO1", hand_carry=True)
    plain = checkpoint("HT-NO2", hand_carry=False)
    carrier_number, other_number = passport_number(), passport_number()
    carrier = approved_person(institution, filer, reviewer, document_number=carrier_number, designated_carrier=True)
    approved_person(institution, filer, reviewer, document_number=other_number, designated_carrier=False)

    before = PassageCheck.objects.count()
    at_hand_carry = check(officer, carrier_number, at=hand_carry)
    assert PassageCheck.objects.count() == before + 1
    assert at_hand_carry.result == PassageCheck.Result.VALID
    assert at_hand_carry.may_hand_carry is True
    assert at_hand_carry.person == carrier
    assert at_hand_carry.person.institution.name == institution.name
    assert at_hand_carry.checked_by == officer
    assert at_hand_carry.checkpoint == hand_carry
    assert at_hand_carry.document_last4 == carrier_number[-4:]

    at_plain = check(officer, carrier_number, at=plain)
    assert at_plain.result == PassageCheck.Result.VALID
    assert at_plain.may_hand_carry is False

    not_carrier = check(officer, other_number, at=hand_carry)
    assert not_carrier.result == PassageCheck.Result.VALID
    assert not_carrier.may_hand_carry is False
    assert PassageCheck.objects.count() == before + 3


def test_a_suspended_person_is_not_valid():
    institution, filer, reviewer, _entry = whitelisted()
    officer = customs_officer()
    number = passport_number()
    person = approved_person(institution, filer, reviewer, document_number=number, designated_carrier=True)
    services.person_suspend(person_id=person.pk, actor=reviewer, reason="Under investigation")

    before = PassageCheck.objects.count()
    record = check(officer, number)
    assert PassageCheck.objects.count() == before + 1
    assert record.result == PassageCheck.Result.NOT_VALID
    assert record.reason == "suspended"
    assert record.may_hand_carry is False
    assert record.checked_by == officer
    assert record.checkpoint.code == "HT-NO1"


def test_an_unregistered_number_is_not_registered():
    officer = customs_officer()
    before = PassageCheck.objects.count()
    record = check(officer, passport_number())
    assert PassageCheck.objects.count() == before + 1
    assert record.result == PassageCheck.Result.NOT_REGISTERED
    assert record.person is None
    assert record.may_hand_carry is False
    assert record.checked_by == officer
    assert record.checkpoint.code == "HT-NO1"


def test_a_person_is_not_valid_once_the_institutions_entry_is_suspended():
    institution, filer, reviewer, entry = whitelisted()
    officer = customs_officer()
    number = passport_number()
    approved_person(institution, filer, reviewer, document_number=number, designated_carrier=True)
    assert check(officer, number).result == PassageCheck.Result.VALID

    services.entry_suspend(entry_id=entry.pk, actor=reviewer, reason="Audit in progress")
    before = PassageCheck.objects.count()
    record = check(officer, number)
    assert PassageCheck.objects.count() == before + 1
    assert record.result == PassageCheck.Result.NOT_VALID
    assert record.reason == "institution_not_whitelisted"
    assert record.may_hand_carry is False
    assert record.checked_by == officer


# --- 3. the partner API -------------------------------------------------------------------------


def test_api_check_answers_without_the_document_number():
    institution, filer, reviewer, _entry = whitelisted()
    checkpoint("HT-NO1", hand_carry=True)
    number = passport_number()
    approved_person(institution, filer, reviewer, document_number=number, designated_carrier=True)
    client = token_client(customs_officer())

    before = PassageCheck.objects.count()
    response = client.post(
        CHECK_URL, {"checkpoint": "HT-NO1", "document_type": "passport", "document_number": number}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["valid"] is True
    assert body["may_hand_carry"] is True
    assert body["institution"]["name"] == institution.name
    assert body["person"]["document_number_masked"].endswith(number[-4:])
    assert number not in response.content.decode()
    assert PassageCheck.objects.count() == before + 1


def test_api_check_with_a_token_bound_to_an_institution_is_refused():
    institution, filer, reviewer, _entry = whitelisted()
    checkpoint("HT-NO1")
    number = passport_number()
    approved_person(institution, filer, reviewer, document_number=number)
    officer = customs_officer()
    MembershipFactory(institution=institution, user=officer, role=Membership.Role.OWNER)
    client = token_client(officer, institution=institution)

    before = PassageCheck.objects.count()
    response = client.post(
        CHECK_URL, {"checkpoint": "HT-NO1", "document_type": "passport", "document_number": number}, format="json"
    )
    assert response.status_code == 403, response.content
    assert PassageCheck.objects.count() == before


def test_api_approving_an_approved_person_is_a_conflict():
    institution, filer, reviewer, _entry = whitelisted()
    person = approved_person(institution, filer, reviewer)
    client = token_client(reviewer, scopes=("people:read", "people:write"))

    response = client.post(f"/api/v1/people/persons/{person.pk}/approve/", {}, format="json")
    assert response.status_code == 409, response.content
    assert "invalid_transition" in response.content.decode()
    person.refresh_from_db()
    assert person.status == PersonStatus.APPROVED


# --- 4. expiry ----------------------------------------------------------------------------------


def test_persons_expire_when_the_whitelist_entry_is_revoked_and_only_once():
    institution, filer, reviewer, entry = whitelisted()
    person = approved_person(institution, filer, reviewer)
    other_institution, other_filer, other_reviewer, _other = whitelisted()
    untouched = approved_person(other_institution, other_filer, other_reviewer)
    services.entry_revoke(entry_id=entry.pk, actor=reviewer, reason="Filing withdrawn")

    assert services.persons_expire() == {"expired": 1}
    person.refresh_from_db()
    untouched.refresh_from_db()
    assert person.status == PersonStatus.EXPIRED
    assert untouched.status == PersonStatus.APPROVED
    assert services.persons_expire() == {"expired": 0}


# --- 5. the staff page --------------------------------------------------------------------------


def test_staff_page_checks_and_shows_the_result():
    institution, filer, reviewer, _entry = whitelisted()
    at = checkpoint("HT-NO1", hand_carry=True)
    number = passport_number()
    approved_person(institution, filer, reviewer, document_number=number, designated_carrier=True)
    officer = customs_officer()
    client = Client()
    client.force_login(officer)

    assert client.get(PAGE_URL).status_code == 200
    before = PassageCheck.objects.count()
    response = client.post(PAGE_URL, {"checkpoint": at.pk, "document_type": "passport", "document_number": number})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PassageCheck.objects.count() == before + 1
    record = PassageCheck.objects.latest("pk")
    assert response["Location"].endswith(f"?check={record.pk}")
    assert record.checked_by == officer
    assert record.result == PassageCheck.Result.VALID

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["result"] == record
    content = page.content.decode()
    assert institution.name in content
    assert number not in content
    assert PassageCheck.objects.count() == before + 1  # showing the answer checks nobody again


def test_staff_page_is_forbidden_to_a_reviewer():
    checkpoint("HT-NO1")
    client = Client()
    client.force_login(make_reviewer())
    assert client.get(PAGE_URL).status_code == 403
    before = PassageCheck.objects.count()
    assert client.post(PAGE_URL, {"document_type": "passport", "document_number": passport_number()}).status_code == 403
    assert PassageCheck.objects.count() == before


# --- 6. a reviewer who is a member --------------------------------------------------------------


def test_a_reviewer_who_is_a_member_of_the_institution_cannot_approve():
    institution, filer, _reviewer, _entry = whitelisted()
    person = services.person_submit(person_id=draft_person(institution, filer).pk, actor=filer)
    insider = make_reviewer()
    MembershipFactory(institution=institution, user=insider, role=Membership.Role.FILER)

    with pytest.raises(NotAllowed):
        services.person_approve(person_id=person.pk, actor=insider)
    person.refresh_from_db()
    assert person.status == PersonStatus.SUBMITTED
    assert person.decided_by is None


def test_person_fields_builder_is_unique():
    # Sanity of the builders the tests rely on: two registrations never share a document.
    assert person_fields()["document_number"] != person_fields()["document_number"]
