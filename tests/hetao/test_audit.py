"""The audit trail: every change of a business record leaves an append-only event with its context."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from django.views.decorators.http import require_POST
from rest_framework.response import Response
from rest_framework.views import APIView

from hetao.api.permissions import HasTokenScope
from hetao.audit import audit_context
from hetao.models import ApiScope
from tests.factories import (
    ApiTokenFactory,
    InstitutionFactory,
    MembershipFactory,
    ParkFactory,
    SiteFactory,
    StaffUserFactory,
    UserFactory,
)
from zone.models import Site

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/audit/events/"
SiteEvent = apps.get_model("zone", "SiteEvent")


class RenameSiteApi(APIView):
    """A minimal write endpoint, only in this module's URLs, to change a record through the API stack."""

    permission_classes = [HasTokenScope]

    def patch(self, request, pk):
        site = Site.objects.get(pk=pk)
        site.name_en = request.data["name_en"]
        site.save(update_fields=["name_en"])
        return Response({"id": site.pk})


@login_required
@require_POST
def rename_site_page(request, pk):
    site = Site.objects.get(pk=pk)
    site.name_en = request.POST["name_en"]
    site.save(update_fields=["name_en"])
    return HttpResponse(status=204)


urlpatterns = [
    path("api/v1/test-only/sites/<int:pk>/", RenameSiteApi.as_view()),
    path("pages/test-only/sites/<int:pk>/rename/", rename_site_page),
    path("", include("hetao.urls")),
]


def _events(site):
    return list(SiteEvent.objects.filter(pgh_obj_id=site.pk).order_by("pgh_id"))


@pytest.fixture
def auditor_client(bearer_client):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="auditor"), scopes=[ApiScope.AUDIT_READ])
    return bearer_client(secret)


def test_create_update_and_delete_of_a_site_each_leave_an_event():
    with audit_context(channel="command", command="seed"):
        site = SiteFactory(name_en="Tower A", floor_area_m2=Decimal("1000.00"))
        site.floor_area_m2 = Decimal("1500.00")
        site.save(update_fields=["floor_area_m2"])
        site_id = site.pk
        site.delete()

    events = list(SiteEvent.objects.filter(pgh_obj_id=site_id).order_by("pgh_id"))
    assert [event.pgh_label for event in events] == ["insert", "update", "delete"]
    assert [event.floor_area_m2 for event in events] == [Decimal("1000.00"), Decimal("1500.00"), Decimal("1500.00")]
    assert all(event.pgh_context.metadata == {"channel": "command", "command": "seed"} for event in events)
    assert not Site.objects.filter(pk=site_id).exists()


def test_saving_without_a_change_leaves_no_event():
    site = SiteFactory()

    site.save()

    assert [event.pgh_label for event in _events(site)] == ["insert"]


def test_queryset_update_and_bulk_create_are_audited_row_by_row():
    park = ParkFactory(code="SZ")
    created = Site.objects.bulk_create(
        Site(park=park, code=f"BULK-{i}", kind=Site.Kind.FACILITY, name_en=f"Lab {i}", floor_area_m2=Decimal(100))
        for i in range(3)
    )

    changed = Site.objects.filter(code__in=["BULK-0", "BULK-1"]).update(floor_area_m2=Decimal("250.00"))

    assert changed == 2
    labels = {site.code: [event.pgh_label for event in _events(site)] for site in created}
    assert labels == {"BULK-0": ["insert", "update"], "BULK-1": ["insert", "update"], "BULK-2": ["insert"]}
    assert _events(created[0])[-1].floor_area_m2 == Decimal("250.00")


@pytest.mark.urls(__name__)
def test_a_change_through_the_api_names_the_token_owner_and_the_request_id(bearer_client, auditor_client):
    site = SiteFactory(name_en="Old name")
    token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="project_officer"))

    response = bearer_client(secret).patch(
        f"/api/v1/test-only/sites/{site.pk}/", {"name_en": "New name"}, format="json", HTTP_X_REQUEST_ID="req-api-42"
    )

    assert response.status_code == 200
    event = _events(site)[-1]
    assert event.name_en == "New name"
    assert event.pgh_label == "update"
    assert event.pgh_context.metadata == {
        "user": token.owner.pk,
        "url": f"/api/v1/test-only/sites/{site.pk}/",
        "request_id": "req-api-42",
        "method": "PATCH",
        "channel": "api",
        "token": token.pk,
    }
    listed = auditor_client.get(EVENTS, {"request_id": "req-api-42"}).json()["results"]
    assert len(listed) == 1
    assert listed[0]["id"] == f"zone.SiteEvent:{event.pgh_id}"
    assert listed[0]["actor"] == {"id": token.owner.pk, "username": token.owner.username}
    assert listed[0]["token_id"] == token.pk
    assert (listed[0]["model"], listed[0]["label"], listed[0]["object_id"]) == ("zone.Site", "update", str(site.pk))
    assert (listed[0]["channel"], listed[0]["method"]) == ("api", "PATCH")
    assert listed[0]["diff"] == {"name_en": ["Old name", "New name"]}
    assert listed[0]["data"]["name_en"] == "New name"


@pytest.mark.urls(__name__)
def test_a_change_through_a_signed_in_page_names_the_user(client):
    site = SiteFactory()
    officer = StaffUserFactory(role="project_officer")
    client.force_login(officer)

    response = client.post(
        f"/pages/test-only/sites/{site.pk}/rename/", {"name_en": "Renamed"}, HTTP_X_REQUEST_ID="req-web-7777"
    )

    assert response.status_code == 204
    assert response["X-Request-ID"] == "req-web-7777"
    event = _events(site)[-1]
    assert event.name_en == "Renamed"
    assert event.pgh_context.metadata["user"] == officer.pk
    assert event.pgh_context.metadata["request_id"] == "req-web-7777"
    assert event.pgh_context.metadata["channel"] == "web"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE zone_siteevent SET name_en = 'forged'", "DELETE FROM zone_siteevent"],
)
def test_audit_events_cannot_be_altered_or_deleted_even_in_sql(statement):
    site = SiteFactory(name_en="Genuine")

    with (
        pytest.raises(DatabaseError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert [(event.pgh_label, event.name_en) for event in _events(site)] == [("insert", "Genuine")]


def test_audit_events_cannot_be_altered_through_the_orm():
    site = SiteFactory(name_en="Genuine")
    event = _events(site)[0]

    with pytest.raises(DatabaseError), transaction.atomic():
        SiteEvent.objects.filter(pk=event.pk).update(name_en="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()

    assert SiteEvent.objects.get(pk=event.pk).name_en == "Genuine"


@pytest.mark.parametrize("role", ["auditor", "zone_admin"])
def test_auditors_and_zone_admins_can_read_the_audit_trail_in_the_browser(client, role):
    site = SiteFactory()
    client.force_login(StaffUserFactory(role=role))

    response = client.get(EVENTS, {"model": "zone.Site", "object_id": site.pk})

    assert response.status_code == 200
    assert [row["label"] for row in response.json()["results"]] == ["insert"]


def test_a_whitelist_reviewer_cannot_read_the_audit_trail(client):
    SiteFactory()
    client.force_login(StaffUserFactory(role="whitelist_reviewer"))

    response = client.get(EVENTS)

    assert response.status_code == 403
    assert response.json()["code"] == "not_auditor"


def test_an_institution_member_cannot_read_the_audit_trail(client):
    client.force_login(MembershipFactory().user)

    assert client.get(EVENTS).status_code == 403


def test_reading_the_audit_trail_needs_credentials(api_client):
    assert api_client.get(EVENTS).status_code == 401


def test_a_token_without_audit_read_cannot_read_the_audit_trail(bearer_client):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="auditor"), scopes=[ApiScope.WHITELIST_READ])

    response = bearer_client(secret).get(EVENTS)

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"


def test_a_token_with_audit_read_needs_an_auditor_owner_and_no_institution_binding(bearer_client):
    _token, reviewer_secret = ApiTokenFactory.create(
        owner=StaffUserFactory(role="whitelist_reviewer"), scopes=[ApiScope.AUDIT_READ]
    )
    _token, bound_secret = ApiTokenFactory.create(
        owner=StaffUserFactory(role="auditor"), institution=InstitutionFactory(), scopes=[ApiScope.AUDIT_READ]
    )

    assert bearer_client(reviewer_secret).get(EVENTS).status_code == 403
    assert bearer_client(bound_secret).get(EVENTS).status_code == 403


def test_audit_events_filter_by_model_label_object_actor_and_date(auditor_client):
    actor = UserFactory()
    park = ParkFactory(code="SZ")
    institution = InstitutionFactory()
    with audit_context(user=actor.pk, channel="command"):
        site = SiteFactory(park=park, name_en="Before")
        Site.objects.filter(pk=site.pk).update(name_en="After")
    hour_ago = (timezone.now() - timedelta(hours=1)).isoformat()
    in_an_hour = (timezone.now() + timedelta(hours=1)).isoformat()

    def listed(**params):
        response = auditor_client.get(EVENTS, params)
        assert response.status_code == 200, response.content
        return [(row["model"], row["label"], row["object_id"]) for row in response.json()["results"]]

    site_id, institution_id = str(site.pk), str(institution.pk)
    assert listed(model="zone.Site", object_id=site_id) == [
        ("zone.Site", "update", site_id),
        ("zone.Site", "insert", site_id),
    ]
    assert listed(model="zone.Institution") == [("zone.Institution", "insert", institution_id)]
    assert listed(model="zone.Site", label="update") == [("zone.Site", "update", site_id)]
    assert listed(actor=actor.pk) == [("zone.Site", "update", site_id), ("zone.Site", "insert", site_id)]
    assert ("zone.Institution", "insert", institution_id) in listed(created_after=hour_ago, created_before=in_an_hour)
    assert listed(created_after=in_an_hour) == []
    assert auditor_client.get(EVENTS, {"model": "zone.Nothing"}).status_code == 400


def test_one_event_can_be_read_by_its_id_and_token_hashes_are_never_shown(auditor_client):
    token, _secret = ApiTokenFactory.create()
    event = apps.get_model("hetao", "ApiTokenEvent").objects.get(pgh_obj_id=token.pk)

    response = auditor_client.get(f"{EVENTS}hetao.ApiTokenEvent:{event.pgh_id}/")

    assert response.status_code == 200
    assert response.json()["model"] == "hetao.ApiToken"
    assert "secret_hash" not in response.json()["data"]  # never recorded in the first place
    assert token.secret_hash not in response.content.decode()
    assert auditor_client.get(f"{EVENTS}hetao.ApiTokenEvent:999999/").status_code == 404
    assert auditor_client.get(f"{EVENTS}zone.Nothing:1/").status_code == 404


def test_a_bulk_change_sharing_one_timestamp_pages_without_gaps_or_repeats(auditor_client):
    park = ParkFactory(code="SZ")
    sites = Site.objects.bulk_create(
        Site(park=park, code=f"T-{i:04d}", kind=Site.Kind.BUILDING, name_en=f"B{i}", floor_area_m2=Decimal(10))
        for i in range(130)
    )
    assert (
        SiteEvent.objects.filter(pgh_obj_id__in=[s.pk for s in sites]).values("pgh_created_at").distinct().count() == 1
    )

    seen, url, query_counts = [], f"{EVENTS}?model=zone.Site&page_size=50", []
    while url:
        with CaptureQueriesContext(connection) as queries:
            body = auditor_client.get(url).json()
        query_counts.append(len(queries))
        seen.extend(row["object_id"] for row in body["results"])
        url = body["next"]

    assert seen == [str(site.pk) for site in reversed(sites)]
    assert len(set(query_counts[1:])) == 1


@pytest.mark.django_db
def test_an_audit_context_does_not_leak_to_later_writes_in_the_same_transaction():
    import pghistory.models

    from hetao.audit import audit_context
    from zone.models import Park

    with audit_context(channel="task", task="inside"):
        inside = Park.objects.create(code="IN", name_en="Inside", jurisdiction="mainland", area_km2="1.00")
    outside = Park.objects.create(code="OUT", name_en="Outside", jurisdiction="mainland", area_km2="1.00")

    events = pghistory.models.MiddlewareEvents.objects.filter(pgh_model="zone.ParkEvent", pgh_label="insert")
    contexts = {e.pgh_obj_id: e.pgh_context for e in events}
    assert contexts[str(inside.pk)]["task"] == "inside"
    assert contexts[str(outside.pk)] is None
