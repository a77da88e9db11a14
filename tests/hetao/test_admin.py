from datetime import date, timedelta

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from hetao.admin import audit_trail_url
from hetao.models import ApiToken, BatchFiling, Notification, User
from hetao.roles import ZONE_ADMIN
from hetao.services import user_create
from zone.models import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    FilingCounter,
    Institution,
    Invitation,
    Membership,
    Park,
    WhitelistApplication,
    WhitelistEntry,
)
from zone.validators import uscc_check_character


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier test left active in the thread."""
    with translation.override("en"):
        yield


PASSWORD = "admin-test-password-2026"


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@hetao.example", PASSWORD)


@pytest.fixture
def admin_client(client, superuser):
    # Through the admin's own sign-in form, so django-axes logs the access like a real one.
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    return client


def _a_row_of_every_model(superuser, client):
    """Demo data plus one record of each model the demo does not create."""
    call_command("seed_demo", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    university = Institution.objects.get(registration_no="LRU-CAP1199")
    Notification.objects.create(user=superuser, kind="test", params={"_subject": "A notification"})
    entry = WhitelistEntry.objects.create(
        institution=university,
        filing_no="HTWL-2026-999999",  # the demo issues numbers from 000001
        scopes=["goods"],
        valid_from=date(2026, 1, 1),
        valid_until=date(2028, 12, 31),
    )
    application = WhitelistApplication.objects.create(
        institution=university, requested_scopes=["goods"], created_by=superuser, entry=entry
    )
    ApplicationStep.objects.create(application=application, action="submit", to_status="submitted", actor=superuser)
    ApplicationComment.objects.create(application=application, author=superuser, visibility="internal", body="Fine")
    ApplicationDocument.objects.create(
        application=application,
        kind="research_plan",
        file="whitelist/plan.pdf",
        stored_name="plan.pdf",
        original_name="plan.pdf",
        content_type="application/pdf",
        size=1024,
        sha256="0" * 64,
        uploaded_by=superuser,
    )
    Invitation.objects.create(
        institution=university,
        email="new@lru.example.edu.hk",
        role="filer",
        token_hash="1" * 64,
        invited_by=superuser,
        expires_at=timezone.now() + timedelta(days=7),
    )
    FilingCounter.objects.create(year=1999, last=1)  # the demo has the current year's counter
    BatchFiling.objects.create(
        kind="customs_declarations",
        uploaded_by=superuser,
        institution=university,
        file="batches/rows.dat",
        stored_name="rows.dat",
        original_name="rows.csv",
        sha256="2" * 64,
        size=2048,
        status="failed",
        errors=[{"line": 2, "column": "hs_code", "value": "1", "message": "Bad"}],
    )
    # A failed sign-in gives django-axes' attempt a row; its failure log is off by default.
    client.post(reverse("admin:login"), {"username": "root", "password": "wrong-password"})
    AccessFailureLog.objects.create(
        user_agent="test", ip_address="203.0.113.9", username="root", http_accept="*/*", path_info="/admin/login/"
    )


@pytest.mark.django_db
def test_every_registered_model_has_a_working_changelist_and_change_page(admin_client, superuser):
    _a_row_of_every_model(superuser, admin_client)
    registry = admin.site._registry
    assert {Park, Institution, Membership, ApiToken, User, WhitelistApplication} <= set(registry)

    for model, model_admin in registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = admin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, model

        obj = model_admin.get_queryset(changelist.wsgi_request).first()
        assert obj is not None, f"no {model._meta.label} row to open"
        change = admin_client.get(reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)]))
        assert change.status_code == 200, model

        if model_admin.has_add_permission(changelist.wsgi_request):
            assert admin_client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, model


@pytest.mark.django_db
def test_admin_site_is_titled_for_the_portal(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert "Hetao Zone Portal administration" in response.content.decode()


def test_admin_site_titles_are_translatable():
    assert isinstance(admin.site.site_header, Promise)
    assert isinstance(admin.site.site_title, Promise)


@pytest.mark.django_db
def test_audit_events_are_listed_per_record_and_cannot_be_changed(admin_client, superuser):
    _a_row_of_every_model(superuser, admin_client)
    park = Park.objects.get(code="SZ")

    trail = admin_client.get(audit_trail_url(park))
    assert trail.status_code == 200
    assert list(trail.context["cl"].result_list)  # the park's insert event

    event = trail.context["cl"].result_list[0]
    change_url = reverse("admin:pghistory_middlewareevents_change", args=[quote(event.pk)])
    assert admin_client.post(change_url, {"pgh_label": "forged"}).status_code == 403
    assert admin_client.post(change_url.replace("/change/", "/delete/"), {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:pghistory_middlewareevents_add")).status_code == 403


@pytest.mark.django_db
def test_api_token_page_never_shows_the_secret_hash(admin_client, superuser):
    _a_row_of_every_model(superuser, admin_client)
    token = ApiToken.objects.get()

    page = admin_client.get(reverse("admin:hetao_apitoken_change", args=[token.pk])).content.decode()
    listing = admin_client.get(reverse("admin:hetao_apitoken_changelist")).content.decode()

    assert token.key_prefix in page
    assert token.secret_hash not in page
    assert token.secret_hash not in listing


@pytest.mark.django_db
def test_api_tokens_are_revoked_from_the_admin_through_the_service(admin_client, superuser):
    _a_row_of_every_model(superuser, admin_client)
    token = ApiToken.objects.get()

    response = admin_client.post(
        reverse("admin:hetao_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == superuser
    assert not ApiToken.objects.usable().filter(pk=token.pk).exists()


@pytest.mark.django_db
def test_api_tokens_cannot_be_added_or_deleted_in_the_admin(admin_client, superuser):
    _a_row_of_every_model(superuser, admin_client)
    token = ApiToken.objects.get()

    assert admin_client.get(reverse("admin:hetao_apitoken_add")).status_code == 403
    assert admin_client.get(reverse("admin:hetao_apitoken_delete", args=[token.pk])).status_code == 403


def _institution_form(**overrides):
    data = {
        "name_en": "Futian Photonics Co., Ltd.",
        "name_zh_hans": "",
        "name_zh_hant": "",
        "kind": "enterprise",
        "jurisdiction": "mainland",
        "registration_type": "uscc",
        "registration_no": "",
        "email": "",
        "phone": "",
        "address": "",
        "website": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    return {**data, **overrides}


@pytest.mark.django_db
def test_institution_admin_refuses_a_code_with_a_wrong_check_character(admin_client):
    first17 = "91440304MA5HT0Q13"
    wrong = "A" if uscc_check_character(first17) != "A" else "B"

    response = admin_client.post(
        reverse("admin:zone_institution_add"), _institution_form(registration_no=first17 + wrong)
    )

    assert response.status_code == 200
    assert "check character does not match" in response.content.decode()
    assert not Institution.objects.exists()


@pytest.mark.django_db
def test_institution_admin_refuses_a_registration_number_already_registered(admin_client):
    code = "91440304MA5HT0Q13" + uscc_check_character("91440304MA5HT0Q13")
    created = admin_client.post(reverse("admin:zone_institution_add"), _institution_form(registration_no=code))
    assert created.status_code == 302

    again = admin_client.post(
        reverse("admin:zone_institution_add"),
        _institution_form(name_en="Another name", registration_no=code.lower()),
    )

    assert again.status_code == 200
    assert "already registered" in again.content.decode()
    assert Institution.objects.count() == 1


@pytest.mark.django_db
def test_membership_admin_adds_members_through_the_service(admin_client):
    code = "91440304MA5HT0Q13" + uscc_check_character("91440304MA5HT0Q13")
    institution = Institution.objects.create(
        name_en="Futian Photonics", kind="enterprise", jurisdiction="mainland", registration_type="uscc",
        registration_no=code,
    )  # fmt: skip
    member = user_create(username="member", email="m@hetao.example", password=None)

    response = admin_client.post(
        reverse("admin:zone_membership_add"), {"user": member.pk, "institution": institution.pk, "role": "filer"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(user=member, institution=institution).role == "filer"


@pytest.mark.django_db
def test_zone_administrators_cannot_grant_superuser_status(client):
    staff = user_create(username="zadmin", email="z@hetao.example", password=PASSWORD, staff_role=ZONE_ADMIN)
    other = user_create(username="someone", email="s@hetao.example", password=None)
    client.post(reverse("admin:login"), {"username": "zadmin", "password": PASSWORD})

    response = client.get(reverse("admin:hetao_user_change", args=[other.pk]))

    assert response.status_code == 200
    form_fields = response.context["adminform"].form.fields
    assert "is_superuser" not in form_fields
    assert "user_permissions" not in form_fields
    assert "groups" in form_fields
    assert not staff.is_superuser
