from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import translation

from customs.models import Checkpoint, HsCode
from hetao import roles
from hetao.models import ApiToken, User, hash_token_secret
from zone import demo
from zone.models import Institution, Membership, Park, Site
from zone.validators import validate_hk_br, validate_hk_statutory, validate_uscc


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier test left active in the thread."""
    with translation.override("en"):
        yield


MODELS = [Park, Site, Checkpoint, Institution, Membership, User, ApiToken, Group, HsCode]


def _seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", "--force", *args, stdout=out)
    return out.getvalue()


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.mark.django_db
def test_seeding_twice_duplicates_nothing():
    _seed()
    first = _counts()

    output = _seed()

    assert _counts() == first
    assert "already up to date" in output


@pytest.mark.django_db
def test_seeding_twice_leaves_no_audit_events_behind():
    import pghistory.models

    _seed()
    events = pghistory.models.Events.objects.count()

    _seed()

    assert pghistory.models.Events.objects.count() == events


@pytest.mark.django_db
def test_the_two_parks_of_the_zone_are_seeded_with_their_areas():
    _seed()

    parks = {park.code: park for park in Park.objects.all()}
    assert set(parks) == {"SZ", "HK"}
    assert (parks["SZ"].jurisdiction, parks["SZ"].area_km2) == ("mainland", Decimal("3.02"))
    assert (parks["HK"].jurisdiction, parks["HK"].area_km2) == ("hksar", Decimal("0.87"))
    assert parks["SZ"].name_zh_hans == "深圳园区" and parks["SZ"].name_zh_hant == "深圳園區"
    assert parks["HK"].name_zh_hans.startswith("香港园区") and parks["HK"].name_zh_hant.startswith("香港園區")


@pytest.mark.django_db
def test_the_shenzhen_sites_fit_in_its_prepared_space():
    _seed()

    shenzhen = Site.objects.filter(park__code="SZ")
    total = shenzhen.aggregate(total=Sum("floor_area_m2"))["total"]
    assert total <= Decimal("800000")
    assert shenzhen.filter(kind=Site.Kind.INDUSTRIAL_PARK).count() >= 3
    assert shenzhen.filter(name_en__icontains="Hong Kong Science Park").exists()
    assert Site.objects.filter(park__code="HK").exists()
    assert not Site.objects.filter(name_zh_hans="").exists()


@pytest.mark.django_db
def test_the_checkpoints_cover_every_line_and_the_no_1_channel_takes_hand_carried_goods():
    _seed()

    assert set(Checkpoint.objects.values_list("line", flat=True)) == {"first", "second", "internal"}
    channel = Checkpoint.objects.get(name_en="No. 1 Channel")
    assert channel.line == "first"
    assert channel.hand_carry


@pytest.mark.django_db
def test_every_demo_institution_has_a_valid_registration():
    _seed()

    enterprise = Institution.objects.get(registration_no=demo.ENTERPRISE_USCC)
    validate_uscc(enterprise.registration_no)
    assert (enterprise.kind, enterprise.jurisdiction) == ("enterprise", "mainland")
    university = Institution.objects.get(kind="university")
    assert (university.jurisdiction, university.registration_type) == ("hksar", "hk_statutory")
    check = {"uscc": validate_uscc, "hk_br": validate_hk_br, "hk_statutory": validate_hk_statutory}
    for institution in Institution.objects.all():
        institution.full_clean()
        check[institution.registration_type](institution.registration_no)


@pytest.mark.django_db
def test_demo_users_sign_in_with_the_printed_password():
    output = _seed()

    assert demo.DEMO_PASSWORD in output
    for spec in demo.ACCOUNTS:
        assert spec.username in output
        password_ok = User.objects.get(username=spec.username).check_password(demo.DEMO_PASSWORD)
        assert password_ok is spec.can_sign_in, spec.username


@pytest.mark.django_db
def test_demo_users_log_in_through_the_authentication_backends(client):
    _seed()

    for username in ["admin", "reviewer", "owner-sz", "owner-hk", "filer", "viewer"]:
        assert client.login(request=HttpRequest(), username=username, password=demo.DEMO_PASSWORD), username
        client.logout()
    assert not client.login(request=HttpRequest(), username="partner", password=demo.DEMO_PASSWORD)


@pytest.mark.django_db
def test_a_changed_demo_password_is_reset_by_the_next_run():
    _seed()
    user = User.objects.get(username="owner-sz")
    user.set_password("someone-changed-it-2026")
    user.save(update_fields=["password"])

    _seed()

    assert User.objects.get(username="owner-sz").check_password(demo.DEMO_PASSWORD)


@pytest.mark.django_db
def test_staff_demo_users_are_in_their_role_groups():
    _seed()

    expected = {
        "admin": roles.ZONE_ADMIN,
        "reviewer": roles.WHITELIST_REVIEWER,
        "customs": roles.CUSTOMS_OFFICER,
        "funds": roles.FUND_OFFICER,
        "projects": roles.PROJECT_OFFICER,
        "auditor": roles.AUDITOR,
    }
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.filter(is_superuser=True).exclude(username="admin").exists()
    assert User.objects.get(username="auditor").has_perm("hetao.view_audit")


@pytest.mark.django_db
def test_institution_members_have_their_roles_and_no_staff_rights():
    _seed()

    roles_of = {
        m.user.username: (m.role, m.institution.jurisdiction)
        for m in Membership.objects.select_related("user", "institution")
    }
    assert roles_of["owner-sz"] == ("owner", "mainland")
    assert roles_of["owner-hk"] == ("owner", "hksar")
    assert roles_of["filer"][0] == "filer"
    assert roles_of["viewer"][0] == "viewer"
    assert not User.objects.filter(username__in=roles_of, is_staff=True).exists()


@pytest.mark.django_db
def test_the_partner_token_is_printed_once_and_only_its_hash_is_stored():
    first = _seed()
    token = ApiToken.objects.get()
    secret = next(word for word in first.split() if word.startswith(token.key_prefix))

    second = _seed()

    assert token.secret_hash == hash_token_secret(secret)
    assert secret not in second
    assert "create_api_token" in second
    assert "seed_demo --new-token" in second
    assert sorted(token.scopes) == [
        "batches:write",
        "customs:read",
        "customs:write",
        "whitelist:read",
        "whitelist:write",
    ]
    assert token.institution.kind == "university"
    assert token.is_active


@pytest.mark.django_db
def test_a_new_demo_token_replaces_the_old_one():
    _seed()
    old = ApiToken.objects.get()

    output = _seed("--new-token")

    old.refresh_from_db()
    assert old.revoked_at is not None
    new = ApiToken.objects.usable().get()
    assert new.pk != old.pk
    assert new.key_prefix in output


@pytest.mark.django_db
def test_the_hs_nomenclature_count_is_reported():
    output = _seed()

    assert f"{HsCode.objects.count()} codes" in output
    assert HsCode.objects.filter(code="010121", declarable=True).exists()


@pytest.mark.django_db
def test_seeding_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.exists()


@pytest.mark.django_db
def test_seeding_runs_without_force_in_development(settings):
    settings.DEBUG = True

    call_command("seed_demo", stdout=StringIO())

    assert Park.objects.count() == 2


@pytest.mark.django_db
def test_the_demo_has_two_whitelisted_institutions_and_one_application_waiting_for_review():
    from zone.demo import seed
    from zone.models import ApplicationStatus, EntryStatus, WhitelistApplication, WhitelistEntry

    seed()
    seed()

    entries = list(WhitelistEntry.objects.order_by("filing_no"))
    assert [entry.status for entry in entries] == [EntryStatus.ACTIVE, EntryStatus.ACTIVE]
    assert {entry.institution.registration_type for entry in entries} == {"uscc"}
    assert all({"personnel", "data"} <= set(entry.scopes) for entry in entries)
    statuses = sorted(WhitelistApplication.objects.values_list("status", flat=True))
    assert statuses == [ApplicationStatus.APPROVED, ApplicationStatus.APPROVED, ApplicationStatus.SUBMITTED]
