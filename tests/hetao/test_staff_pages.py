"""Staff pages of the portal core: the audit trail with its exports, and API-token management."""

import csv
import io
from datetime import timedelta

import openpyxl
import pghistory
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from hetao import roles, services
from hetao.exports import neutralise
from hetao.models import ApiToken, User, hash_token_secret
from zone import services as zone_services
from zone.models import Institution, Jurisdiction, Membership, Park
from zone.validators import uscc_check_character

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware leaves a request's language active in the thread: restore the default for later tests."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


PASSWORD = "a-long-password-1"
FORMULA = '=HYPERLINK("http://attacker.example/x","click me")'


def make_staff(username, role):
    return services.user_create(
        username=username, email=f"{username}@hetao.example", password=PASSWORD, staff_role=role
    )


def make_person(username):
    return services.user_create(username=username, email=f"{username}@example.org", password=PASSWORD)


def make_institution(n, name):
    body = f"91440300{n:09d}"
    return Institution.objects.create(
        name_en=name,
        kind=Institution.Kind.RESEARCH_INSTITUTE,
        jurisdiction=Jurisdiction.MAINLAND,
        registration_type=Institution.RegistrationType.USCC,
        registration_no=body + uscc_check_character(body),
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Audit trail --------------------------------------------------------------------------------


@pytest.fixture
def auditor():
    return make_staff("auditor1", roles.AUDITOR)


@pytest.fixture
def audit_history(auditor):
    """An institution created by a script, then a park created and renamed by an administrator.

    The audit context lasts until the end of the transaction, and a test is one transaction:
    the events without an actor are written first.
    """
    institution = make_institution(7, "Institute of Data Science")
    admin = make_staff("zoneadmin", roles.ZONE_ADMIN)
    with pghistory.context(user=admin.pk, channel="web", request_id="req-park-0001"):
        park = Park.objects.create(
            code="SZ", name_en="Shenzhen park", jurisdiction=Jurisdiction.MAINLAND, area_km2="3.02"
        )
        park.name_en = "Shenzhen Park of the Zone"
        park.save(update_fields=["name_en"])
    return {"admin": admin, "park": park, "institution": institution}


def audit_rows(response):
    return list(response.context["rows"])


def test_auditor_sees_audit_events_with_actor_and_changes(audit_history, auditor):
    response = signed_in(auditor).get("/staff/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "zoneadmin" in html
    assert "Shenzhen Park of the Zone" in html
    assert "req-park-0001"[:13] in html
    actions = [(row["event"].pgh_obj_model, row["event"].pgh_label) for row in audit_rows(response)]
    assert ("zone.Park", "insert") in actions
    assert ("zone.Park", "update") in actions
    assert ("zone.Institution", "insert") in actions


def test_audit_filters_by_model_action_actor_object_and_date(audit_history, auditor):
    client = signed_in(auditor)
    park = audit_history["park"]

    def events(**query):
        response = client.get("/staff/audit/", query)
        assert response.status_code == 200
        return {(row["event"].pgh_obj_model, row["event"].pgh_label) for row in audit_rows(response)}

    assert events(model="zone.Park") == {("zone.Park", "insert"), ("zone.Park", "update")}
    assert events(model="zone.Park", action="update") == {("zone.Park", "update")}
    assert events(actor="zoneadm") == {("zone.Park", "insert"), ("zone.Park", "update")}
    assert events(object_id=str(audit_history["institution"].pk), model="zone.Institution") == {
        ("zone.Institution", "insert")
    }
    today = timezone.localdate()
    assert ("zone.Park", "insert") in events(date_from=today.isoformat(), date_to=today.isoformat())
    assert events(date_from=(today + timedelta(days=1)).isoformat()) == set()
    assert events(object_id=str(park.pk), model="zone.Park", date_to=(today - timedelta(days=1)).isoformat()) == set()


def test_audit_filter_refuses_an_unknown_model_with_a_message(audit_history, auditor):
    response = signed_in(auditor).get("/staff/audit/", {"model": "nope.Nothing"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_audit_export_csv_holds_the_filtered_rows_and_neutralises_formulas(audit_history, auditor):
    hostile = User.objects.create(username=FORMULA, is_staff=True)
    with pghistory.context(user=hostile.pk):
        Park.objects.create(code="HK", name_en="Hong Kong park", jurisdiction=Jurisdiction.HKSAR, area_km2="0.87")

    response = signed_in(auditor).get("/staff/audit/export/csv/", {"model": "zone.Park"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:6] == ["Event", "Time", "Action", "Record type", "Record id", "Changed by"]
    assert len(body) == 3
    assert {row[3] for row in body} == {"zone.Park"}
    actors = {row[5] for row in body}
    assert "zoneadmin" in actors
    assert "'" + FORMULA in actors
    assert FORMULA not in actors
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in body for cell in row)


def test_audit_export_xlsx_holds_the_filtered_rows_and_neutralises_formulas(audit_history, auditor):
    hostile = User.objects.create(username=FORMULA, is_staff=True)
    with pghistory.context(user=hostile.pk):
        Park.objects.create(code="HK", name_en="Hong Kong park", jurisdiction=Jurisdiction.HKSAR, area_km2="0.87")

    response = signed_in(auditor).get("/staff/audit/export/xlsx/", {"model": "zone.Park"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:6] == ("Event", "Time", "Action", "Record type", "Record id", "Changed by")
    body = rows[1:]
    assert len(body) == 3
    assert {row[5] for row in body} == {"zoneadmin", "'" + FORMULA}
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


def test_export_helper_neutralises_every_formula_prefix():
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(value) == "'" + value
    assert neutralise("Shenzhen park") == "Shenzhen park"
    assert neutralise("") == ""


def test_customs_officer_may_not_read_or_export_the_audit_trail(audit_history):
    client = signed_in(make_staff("customs1", roles.CUSTOMS_OFFICER))
    for url in ("/staff/audit/", "/staff/audit/export/csv/", "/staff/audit/export/xlsx/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "You do not have access to this page" in response.content.decode()


def test_unknown_export_format_is_404(auditor):
    assert signed_in(auditor).get("/staff/audit/export/pdf/").status_code == 404


def test_audit_page_has_an_empty_state(auditor):
    response = signed_in(auditor).get("/staff/audit/", {"model": "zone.Park"})
    assert response.status_code == 200
    assert "No events match these filters." in response.content.decode()


# API tokens ---------------------------------------------------------------------------------


@pytest.fixture
def zone_admin():
    return make_staff("admin1", roles.ZONE_ADMIN)


def token_form(**fields):
    data = {
        "name": "Customs broker system",
        "scopes": ["customs:read", "customs:write"],
        "institution": "",
        "expires_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "allowed_ips": "203.0.113.0/24\n198.51.100.7\n",
    }
    data.update(fields)
    return data


def test_staff_creates_a_token_and_sees_the_secret_once(zone_admin):
    client = signed_in(zone_admin)
    assert client.get("/staff/tokens/new/").status_code == 200

    response = client.post("/staff/tokens/new/", token_form())
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("htz_")
    html = response.content.decode()
    assert secret in html
    assert 'data-copy-target="token-secret"' in html
    assert "no-store" in response["Cache-Control"]

    token = ApiToken.objects.get()
    assert token.secret_hash == hash_token_secret(secret)
    assert secret not in {token.name, token.key_prefix, token.secret_hash}
    assert secret.startswith(token.key_prefix)
    assert token.owner == zone_admin and token.created_by == zone_admin
    assert token.institution is None
    assert token.scopes == ["customs:read", "customs:write"]
    assert token.allowed_ips == ["203.0.113.0/24", "198.51.100.7/32"]
    assert timezone.localtime(token.expires_at).date() == timezone.localdate() + timedelta(days=31)

    listing = client.get("/staff/tokens/").content.decode()
    assert "Customs broker system" in listing
    assert token.key_prefix in listing
    assert secret not in listing


def test_staff_token_form_shows_service_errors_on_the_fields(zone_admin):
    response = signed_in(zone_admin).post("/staff/tokens/new/", token_form(allowed_ips="not-an-address", scopes=[]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert ApiToken.objects.count() == 0

    response = signed_in(zone_admin).post("/staff/tokens/new/", token_form(allowed_ips="not-an-address"))
    assert response.status_code == 200
    assert "is not an IP address or CIDR network" in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_staff_revokes_a_token_after_confirming(zone_admin):
    token, _secret = services.api_token_create(owner=zone_admin, name="Bank system", scopes=["funding:read"])
    client = signed_in(zone_admin)
    confirm = client.get(f"/staff/tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200
    assert "Revoke the token “Bank system”?" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None

    response = client.post(f"/staff/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/staff/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == zone_admin
    assert "Revoked" in client.get("/staff/tokens/").content.decode()


def test_auditor_may_list_tokens_but_not_create_or_revoke(zone_admin):
    token, _secret = services.api_token_create(owner=zone_admin, name="Bank system", scopes=["funding:read"])
    client = signed_in(make_staff("auditor1", roles.AUDITOR))
    assert client.get("/staff/tokens/").status_code == 200
    assert client.post("/staff/tokens/new/", token_form()).status_code == 403
    assert client.post(f"/staff/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.fixture
def two_institutions():
    a = make_institution(11, "Institution A")
    b = make_institution(12, "Institution B")
    owner_a = make_person("owner_a")
    owner_b = make_person("owner_b")
    zone_services.membership_set(user=owner_a, institution=a, role=Membership.Role.OWNER)
    zone_services.membership_set(user=owner_b, institution=b, role=Membership.Role.OWNER)
    token_b, _secret = services.api_token_create(owner=owner_b, name="B's ERP", scopes=["customs:read"], institution=b)
    return {"a": a, "b": b, "owner_a": owner_a, "owner_b": owner_b, "token_b": token_b}


def test_owner_creates_a_token_bound_to_their_institution(two_institutions):
    client = signed_in(two_institutions["owner_a"])
    # The institution is fixed for an owner of one institution: a posted one is ignored.
    response = client.post("/accounts/tokens/new/", token_form(name="A's ERP", institution=two_institutions["b"].pk))
    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get(name="A's ERP")
    assert token.institution == two_institutions["a"]
    assert token.owner == two_institutions["owner_a"]
    assert token.secret_hash == hash_token_secret(secret)


def test_owner_cannot_see_or_revoke_another_institutions_token(two_institutions):
    client = signed_in(two_institutions["owner_a"])
    token_b = two_institutions["token_b"]
    listing = client.get("/accounts/tokens/")
    assert listing.status_code == 200
    assert "B&#x27;s ERP" not in listing.content.decode()
    assert token_b.key_prefix not in listing.content.decode()

    assert client.get(f"/accounts/tokens/{token_b.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{token_b.pk}/revoke/").status_code == 404
    token_b.refresh_from_db()
    assert token_b.revoked_at is None


def test_owner_revokes_their_institutions_token(two_institutions):
    token_b = two_institutions["token_b"]
    response = signed_in(two_institutions["owner_b"]).post(f"/accounts/tokens/{token_b.pk}/revoke/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/tokens/"
    token_b.refresh_from_db()
    assert token_b.revoked_by == two_institutions["owner_b"]


def test_owner_may_not_use_the_staff_token_pages(two_institutions):
    client = signed_in(two_institutions["owner_a"])
    assert client.get("/staff/tokens/").status_code == 403
    assert client.post(f"/staff/tokens/{two_institutions['token_b'].pk}/revoke/").status_code == 403


def test_filer_gets_403_on_token_pages(two_institutions):
    filer = make_person("filer_a")
    zone_services.membership_set(user=filer, institution=two_institutions["a"], role=Membership.Role.FILER)
    client = signed_in(filer)
    for url in ("/staff/tokens/", "/staff/tokens/new/", "/accounts/tokens/", "/accounts/tokens/new/"):
        assert client.get(url).status_code == 403
    assert client.post("/accounts/tokens/new/", token_form()).status_code == 403
    assert client.post(f"/accounts/tokens/{two_institutions['token_b'].pk}/revoke/").status_code == 403
    assert ApiToken.objects.count() == 1


def test_token_pages_need_sign_in(client):
    response = client.get("/accounts/tokens/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_token_form_prefills_an_iso_expiry_date_in_every_language(zone_admin):
    client = signed_in(zone_admin)
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"})
    html = client.get("/staff/tokens/new/").content.decode()
    expected = (timezone.localdate() + timedelta(days=365)).isoformat()
    assert f'type="date" name="expires_on" value="{expected}"' in html
    assert "有效期至" in html
