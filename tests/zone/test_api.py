"""The zone's API resources: reference data for everyone, institutions under tenancy."""

import pytest

from hetao.models import ApiScope
from tests.factories import (
    ApiTokenFactory,
    InstitutionFactory,
    MembershipFactory,
    SiteFactory,
    StaffUserFactory,
    UserFactory,
)
from zone.models import Institution
from zone.validators import validate_hk_br, validate_uscc

pytestmark = pytest.mark.django_db

INSTITUTIONS = "/api/v1/institutions/"


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def two_institutions():
    return InstitutionFactory(name_en="Shenzhen Bio Lab"), InstitutionFactory(hk=True, name_en="HK Quantum Ltd")


def test_factories_make_institutions_with_valid_registration_numbers(two_institutions):
    mainland, hong_kong = two_institutions

    validate_uscc(mainland.registration_no)
    validate_hk_br(hong_kong.registration_no)
    for institution in two_institutions:
        institution.full_clean()
    assert Institution.objects.filter(pk__in=[mainland.pk, hong_kong.pk]).count() == 2


def test_a_bound_token_lists_only_its_own_institution(bearer_client, two_institutions):
    mine, _other = two_institutions
    _token, secret = ApiTokenFactory.create(institution=mine)

    assert _ids(bearer_client(secret).get(INSTITUTIONS)) == [mine.pk]


def test_a_bound_token_gets_404_for_another_institution_never_403(bearer_client, two_institutions):
    mine, other = two_institutions
    _token, secret = ApiTokenFactory.create(institution=mine)
    client = bearer_client(secret)

    assert client.get(f"{INSTITUTIONS}{mine.pk}/").json()["registration_no"] == mine.registration_no
    response = client.get(f"{INSTITUTIONS}{other.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(INSTITUTIONS, {"registration_no": other.registration_no}).json()["results"] == []
    assert Institution.objects.filter(pk=other.pk).exists()


def test_a_staff_token_bound_to_an_institution_is_limited_to_it(bearer_client, two_institutions):
    mine, other = two_institutions
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"), institution=mine)

    assert _ids(bearer_client(secret).get(INSTITUTIONS)) == [mine.pk]
    assert bearer_client(secret).get(f"{INSTITUTIONS}{other.pk}/").status_code == 404


def test_an_unbound_staff_token_sees_every_institution(bearer_client, two_institutions):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="whitelist_reviewer"))

    assert _ids(bearer_client(secret).get(INSTITUTIONS)) == sorted(i.pk for i in two_institutions)


def test_staff_without_the_view_permission_see_no_institutions(bearer_client, two_institutions):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory())

    assert _ids(bearer_client(secret).get(INSTITUTIONS)) == []
    assert bearer_client(secret).get(f"{INSTITUTIONS}{two_institutions[0].pk}/").status_code == 404


def test_a_member_signed_in_in_the_browser_sees_only_their_institutions(client, two_institutions):
    mine, other = two_institutions
    third = InstitutionFactory()
    member = UserFactory()
    MembershipFactory(user=member, institution=mine, role="viewer")
    MembershipFactory(user=member, institution=third, role="filer")
    client.force_login(member)

    assert _ids(client.get(INSTITUTIONS)) == sorted([mine.pk, third.pk])
    assert client.get(f"{INSTITUTIONS}{other.pk}/").status_code == 404


def test_a_user_of_no_institution_sees_none(client, two_institutions):
    user = UserFactory()
    client.force_login(user)

    assert _ids(client.get(INSTITUTIONS)) == []


def test_reading_institutions_needs_the_whitelist_read_scope(bearer_client, two_institutions):
    _token, secret = ApiTokenFactory.create(institution=two_institutions[0], scopes=[ApiScope.CUSTOMS_READ])

    response = bearer_client(secret).get(INSTITUTIONS)

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"


def test_institutions_filter_by_kind_jurisdiction_registration_and_text(bearer_client, two_institutions):
    mainland, hong_kong = two_institutions
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"))
    client = bearer_client(secret)

    assert _ids(client.get(INSTITUTIONS, {"jurisdiction": "hksar"})) == [hong_kong.pk]
    assert _ids(client.get(INSTITUTIONS, {"kind": "enterprise"})) == [mainland.pk]
    assert _ids(client.get(INSTITUTIONS, {"registration_type": "uscc"})) == [mainland.pk]
    spaced = " ".join([mainland.registration_no[:9], mainland.registration_no[9:].lower()])
    assert _ids(client.get(INSTITUTIONS, {"registration_no": spaced})) == [mainland.pk]
    assert _ids(client.get(INSTITUTIONS, {"q": "quantum"})) == [hong_kong.pk]
    assert _ids(client.get(INSTITUTIONS, {"q": hong_kong.registration_no})) == [hong_kong.pk]
    response = client.get(INSTITUTIONS, {"kind": "castle"})
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]


def test_institutions_are_ordered_by_name_and_on_request_by_registration(bearer_client, two_institutions):
    mainland, hong_kong = two_institutions
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"))
    client = bearer_client(secret)

    assert [row["id"] for row in client.get(INSTITUTIONS).json()["results"]] == [hong_kong.pk, mainland.pk]
    by_number = client.get(INSTITUTIONS, {"ordering": "-registration_no"}).json()["results"]
    assert [row["id"] for row in by_number] == [mainland.pk, hong_kong.pk]


def test_institutions_are_read_only(bearer_client, two_institutions):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"))
    client = bearer_client(secret)

    response = client.patch(f"{INSTITUTIONS}{two_institutions[0].pk}/", {"name_en": "Renamed"}, format="json")

    assert response.status_code == 405
    two_institutions[0].refresh_from_db()
    assert two_institutions[0].name_en == "Shenzhen Bio Lab"


def test_parks_and_sites_are_reference_data_any_token_may_read(bearer_client):
    site = SiteFactory(name_en="Open Innovation Center", name_zh_hans="开放创新中心")
    _token, secret = ApiTokenFactory.create(institution=InstitutionFactory(), scopes=[ApiScope.CUSTOMS_READ])
    client = bearer_client(secret)

    parks = client.get("/api/v1/parks/").json()["results"]
    sites = client.get("/api/v1/sites/", {"park": "SZ"}, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"]

    assert [park["code"] for park in parks] == ["SZ"]
    assert [(row["code"], row["park"]) for row in sites] == [(site.code, "SZ")]
    assert client.get("/api/v1/sites/", {"q": "innovation"}).json()["results"][0]["id"] == site.pk
