"""Bearer tokens: only a hash is stored, refused tokens answer 401, scopes 403, and the command."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from hetao.models import ApiScope, ApiToken, hash_token_secret
from hetao.services import api_token_revoke
from tests.factories import ApiTokenFactory, InstitutionFactory, MembershipFactory, StaffUserFactory, UserFactory
from zone.models import Membership

pytestmark = pytest.mark.django_db

PARKS = "/api/v1/parks/"
INSTITUTIONS = "/api/v1/institutions/"


def _tables_containing(text: str) -> list[str]:
    """Every table of the database whose rows, cast to text, contain `text`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        )
        tables = [row[0] for row in cursor.fetchall()]
        found = []
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table} AS t WHERE strpos(t::text, %s) > 0)", [text])
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def _assert_refused(response, code):
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
    assert response["Content-Type"] == "application/json"


def test_the_database_holds_no_plaintext_secret_not_even_in_the_audit_trail(bearer_client):
    token, secret = ApiTokenFactory.create(scopes=[ApiScope.WHITELIST_READ, ApiScope.AUDIT_READ])
    assert bearer_client(secret).get(PARKS).status_code == 200
    api_token_revoke(token_id=token.pk, actor=token.owner)

    token.refresh_from_db()
    assert token.secret_hash == hash_token_secret(secret)
    assert token.key_prefix == secret[: len(token.key_prefix)]
    random_part = secret.removeprefix("htz_")
    assert _tables_containing(random_part) == []
    assert _tables_containing(token.secret_hash) == ["public.hetao_apitoken"]  # not in the audit events
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hetao_apitokenevent WHERE pgh_obj_id = %s", [token.pk])
        assert cursor.fetchone()[0] == 2  # created, then revoked


def test_a_valid_token_authenticates_and_records_when_and_where_it_was_used(bearer_client):
    token, secret = ApiTokenFactory.create()

    response = bearer_client(secret, REMOTE_ADDR="198.51.100.7").get(PARKS)

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_ip == "198.51.100.7"


def test_last_used_is_written_at_most_once_a_minute(bearer_client):
    token, secret = ApiTokenFactory.create()
    client = bearer_client(secret)
    client.get(PARKS)
    token.refresh_from_db()
    first_use = token.last_used_at

    client.get(PARKS)
    token.refresh_from_db()
    assert token.last_used_at == first_use

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get(PARKS)
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_an_expired_token_is_refused_with_401(bearer_client):
    token, secret = ApiTokenFactory.create(expires_at=timezone.now() + timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer_client(secret).get(PARKS)

    _assert_refused(response, "token_expired")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    token.refresh_from_db()
    assert token.last_used_at is None


def test_a_revoked_token_is_refused_with_401(bearer_client):
    token, secret = ApiTokenFactory.create()
    assert bearer_client(secret).get(PARKS).status_code == 200

    api_token_revoke(token_id=token.pk, actor=StaffUserFactory())

    _assert_refused(bearer_client(secret).get(PARKS), "token_revoked")
    assert ApiToken.objects.usable().filter(pk=token.pk).exists() is False


def test_an_unknown_token_is_refused_with_401(bearer_client):
    ApiTokenFactory.create()

    _assert_refused(bearer_client("htz_" + "x" * 43).get(PARKS), "token_invalid")


def test_a_malformed_authorization_header_is_refused_with_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer two parts")

    _assert_refused(api_client.get(PARKS), "token_malformed")


def test_no_credentials_at_all_is_a_401_challenge_without_an_error_code(api_client):
    response = api_client.get(PARKS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_used_from_outside_its_allowed_networks_is_refused_with_401(bearer_client):
    token, secret = ApiTokenFactory.create(allowed_ips=["203.0.113.0/24", "2001:db8::/32"])

    _assert_refused(bearer_client(secret, REMOTE_ADDR="198.51.100.7").get(PARKS), "token_ip_not_allowed")
    assert bearer_client(secret, REMOTE_ADDR="203.0.113.9").get(PARKS).status_code == 200
    assert bearer_client(secret, REMOTE_ADDR="2001:db8::1").get(PARKS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_ip == "203.0.113.9"


def test_a_forged_forwarded_for_header_does_not_get_around_the_allowed_networks(bearer_client):
    _token, secret = ApiTokenFactory.create(allowed_ips=["203.0.113.0/24"])

    with override_settings(AXES_IPWARE_PROXY_COUNT=0):
        forged = bearer_client(secret, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
        _assert_refused(forged.get(PARKS), "token_ip_not_allowed")
    with override_settings(AXES_IPWARE_PROXY_COUNT=1):
        # Behind one trusted proxy, only the address that proxy appended counts.
        spoofed = bearer_client(secret, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
        _assert_refused(spoofed.get(PARKS), "token_ip_not_allowed")
        proxied = bearer_client(secret, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9")
        assert proxied.get(PARKS).status_code == 200


def test_a_token_of_an_inactive_owner_is_refused_with_401(bearer_client):
    token, secret = ApiTokenFactory.create()
    token.owner.is_active = False
    token.owner.save(update_fields=["is_active"])

    _assert_refused(bearer_client(secret).get(PARKS), "owner_inactive")


def test_a_bound_token_stops_working_when_its_owner_leaves_the_institution(bearer_client):
    institution = InstitutionFactory()
    token, secret = ApiTokenFactory.create(institution=institution)
    assert bearer_client(secret).get(INSTITUTIONS).status_code == 200

    Membership.objects.filter(user=token.owner, institution=institution).delete()

    _assert_refused(bearer_client(secret).get(INSTITUTIONS), "owner_not_member")


def test_a_token_without_the_endpoints_scope_gets_403(bearer_client):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"), scopes=[ApiScope.CUSTOMS_READ])

    response = bearer_client(secret).get(INSTITUTIONS)

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert "whitelist:read" in response.json()["detail"]


def test_create_api_token_prints_a_secret_that_authenticates(bearer_client):
    member = MembershipFactory(user=UserFactory(username="partner-admin"))
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command(
        "create_api_token",
        "--user=Partner-Admin",
        f"--institution={member.institution.registration_no.lower()}",
        "--scope=whitelist:read",
        "--scope=customs:read",
        "--expires=2999-12-31",
        "--name=Back office",
        "--allowed-ip=203.0.113.0/24",
        stdout=stdout,
        stderr=stderr,
    )

    secret = stdout.getvalue().strip()
    assert secret.startswith("htz_")
    assert secret not in stderr.getvalue()
    token = ApiToken.objects.get(secret_hash=hash_token_secret(secret))
    assert token.owner == member.user
    assert token.institution == member.institution
    assert token.name == "Back office"
    assert token.scopes == ["customs:read", "whitelist:read"]
    assert token.allowed_ips == ["203.0.113.0/24"]
    assert timezone.localtime(token.expires_at).date().isoformat() == "3000-01-01"
    response = bearer_client(secret, REMOTE_ADDR="203.0.113.5").get(INSTITUTIONS)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [member.institution.pk]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--user=nobody", "--scope=whitelist:read"], "No user"),
        (["--user={staff}", "--scope=whitelist:read", "--institution=99999999"], "No institution"),
        (["--user={staff}", "--scope=whitelist:everything"], "Unknown scope"),
        (["--user={staff}", "--scope=whitelist:read", "--expires=31/12/2030"], "YYYY-MM-DD"),
        (["--user={staff}", "--scope=whitelist:read", "--expires=2001-01-01"], "already passed"),
        (["--user={staff}", "--scope=whitelist:read", "--allowed-ip=not-a-network"], "not an IP address"),
        (["--user={member}", "--scope=whitelist:read"], "must be bound"),
    ],
)
def test_create_api_token_rejects_bad_input_with_a_clear_message(arguments, message):
    staff = StaffUserFactory()
    member = MembershipFactory().user
    arguments = [arg.format(staff=staff.username, member=member.username) for arg in arguments]

    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *arguments, stdout=io.StringIO(), stderr=io.StringIO())

    assert ApiToken.objects.count() == 0
