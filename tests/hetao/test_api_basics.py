"""Cross-cutting API behaviour: cursor pagination, ordering, throttling, JSON errors, schema and docs."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from hetao.api.errors import is_api_request, json_error_response
from hetao.api.pagination import cursor_token
from hetao.api.throttling import PrincipalRateThrottle
from tests.factories import ApiTokenFactory, ParkFactory, StaffUserFactory
from zone.models import Site

pytestmark = pytest.mark.django_db

SITES = "/api/v1/sites/"


@pytest.fixture
def client_of_staff(bearer_client):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"))
    return bearer_client(secret)


def _make_sites(count: int, **fields) -> list[Site]:
    park = ParkFactory(code="SZ", name_en="Shenzhen park")
    return Site.objects.bulk_create(
        Site(
            park=park,
            code=f"B-{i:05d}",
            kind=Site.Kind.BUILDING,
            name_en=f"Building {i}",
            floor_area_m2=fields.get("floor_area_m2", Decimal(1000 + i % 7)),
        )
        for i in range(count)
    )


def _walk(client, url, direction="next"):
    """Follow `next` (or `previous`) links from `url`; return the pages' ids and the pages seen."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        page_ids = [row["id"] for row in body["results"]]
        ids.extend(page_ids if direction == "next" else reversed(page_ids))
        pages += 1
        url = body[direction]
    return ids, pages


def test_lists_answer_next_previous_and_results(client_of_staff):
    _make_sites(3)

    body = client_of_staff.get(SITES, {"page_size": 2}).json()

    assert list(body) == ["next", "previous", "results"]
    assert body["previous"] is None
    assert body["next"].startswith("http://testserver/api/v1/sites/?")
    assert [row["code"] for row in body["results"]] == ["B-00000", "B-00001"]
    last = client_of_staff.get(body["next"]).json()
    assert [row["code"] for row in last["results"]] == ["B-00002"]
    assert last["next"] is None
    back = client_of_staff.get(last["previous"]).json()
    assert [row["code"] for row in back["results"]] == ["B-00000", "B-00001"]
    assert back["previous"] is None


def test_page_size_is_capped_at_500(client_of_staff):
    _make_sites(520)

    body = client_of_staff.get(SITES, {"page_size": 10_000}).json()

    assert len(body["results"]) == 500
    assert len(client_of_staff.get(body["next"]).json()["results"]) == 20


@pytest.mark.parametrize("page_size", ["0", "-3", "lots"])
def test_a_page_size_that_is_not_a_positive_number_is_a_400(client_of_staff, page_size):
    response = client_of_staff.get(SITES, {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "page_size" in response.json()["errors"]


def test_a_tampered_cursor_is_a_400_not_a_500(client_of_staff):
    _make_sites(5)
    next_link = client_of_staff.get(SITES, {"page_size": 2}).json()["next"]

    for cursor in ["garbage", "eyJrIjoxfQ", next_link.split("cursor=")[1][:-3]]:
        response = client_of_staff.get(SITES, {"cursor": cursor})
        assert response.status_code == 400
        assert "cursor" in response.json()["errors"]
    # A cursor belongs to its ordering: reusing it with another ordering is refused too.
    response = client_of_staff.get(next_link + "&ordering=-floor_area_m2")
    assert response.status_code == 400


def test_walking_every_page_forwards_and_backwards_shows_each_row_once_in_order(client_of_staff):
    sites = _make_sites(1234)

    forward, pages = _walk(client_of_staff, f"{SITES}?page_size=100")

    assert pages == 13
    assert forward == [site.pk for site in sorted(sites, key=lambda s: s.code)]
    last_page = client_of_staff.get(f"{SITES}?page_size=100").json()
    while last_page["next"]:
        last_page = client_of_staff.get(last_page["next"]).json()
    backward, _pages = _walk(client_of_staff, last_page["previous"], direction="previous")
    assert [row["id"] for row in reversed(last_page["results"])] + backward == list(reversed(forward))


def test_sorting_on_a_field_full_of_ties_still_pages_without_gaps_or_repeats(client_of_staff):
    # DRF's offset cursors break down past 1000 equal values; the keyset cursor breaks ties by id.
    sites = _make_sites(1100, floor_area_m2=Decimal("5000.00"))

    ids, _pages = _walk(client_of_staff, f"{SITES}?page_size=300&ordering=-floor_area_m2")

    assert ids == sorted(site.pk for site in sites)[::-1]


def test_deep_pages_use_a_keyset_not_an_offset(client_of_staff):
    _make_sites(600)
    url = f"{SITES}?page_size=250"
    url = client_of_staff.get(url).json()["next"]
    url = client_of_staff.get(url).json()["next"]

    with CaptureQueriesContext(connection) as queries:
        body = client_of_staff.get(url).json()

    assert len(body["results"]) == 100
    page_query = next(q["sql"] for q in queries.captured_queries if 'FROM "zone_site"' in q["sql"])
    assert "OFFSET" not in page_query.upper()
    assert '"zone_site"."code" >' in page_query


def test_a_cursor_made_for_a_position_starts_the_list_right_after_it(client_of_staff):
    sites = _make_sites(10)
    seventh = sorted(sites, key=lambda s: s.code)[6]

    body = client_of_staff.get(SITES, {"cursor": cursor_token(["code", "id"], [seventh.code, seventh.pk])}).json()

    assert [row["code"] for row in body["results"]] == ["B-00007", "B-00008", "B-00009"]
    assert body["next"] is None
    assert body["previous"]


def test_the_number_of_queries_does_not_grow_with_the_page_size(client_of_staff):
    _make_sites(450)
    client_of_staff.get(SITES)  # the token's first use also records last_used_at

    counts = {}
    for size in (1, 50, 450):
        with CaptureQueriesContext(connection) as queries:
            response = client_of_staff.get(SITES, {"page_size": size})
        assert len(response.json()["results"]) == size
        counts[size] = len(queries)

    assert counts[1] == counts[50] == counts[450]
    assert counts[1] <= 3


def test_ordering_accepts_only_whitelisted_fields(client_of_staff):
    _make_sites(3)

    assert client_of_staff.get(SITES, {"ordering": "-code"}).json()["results"][0]["code"] == "B-00002"
    response = client_of_staff.get(SITES, {"ordering": "address"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]
    assert client_of_staff.get(SITES, {"ordering": "park__code"}).status_code == 400


def test_a_token_over_its_rate_gets_429_with_retry_after(bearer_client, monkeypatch):
    clock = [1_899_999_970.0]  # 10 s into a minute-long window
    monkeypatch.setattr(PrincipalRateThrottle, "timer", staticmethod(lambda: clock[0]))
    _token, secret = ApiTokenFactory.create()
    _other_token, other_secret = ApiTokenFactory.create()
    client = bearer_client(secret)
    rates = {"principal": "3/min", "anon": "3/min"}

    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        statuses = [client.get(SITES).status_code for _ in range(3)]
        throttled = client.get(SITES)
        other = bearer_client(other_secret).get(SITES)
        clock[0] += 50  # the next minute
        after_wait = client.get(SITES)

    assert statuses == [200, 200, 200]
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert throttled["Retry-After"] == "50"
    assert other.status_code == 200
    assert after_wait.status_code == 200


def test_api_errors_are_json_with_a_code_and_the_request_id(client_of_staff):
    response = client_of_staff.get(f"{SITES}999999/", HTTP_X_REQUEST_ID="req-0001-abcdef")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"]
    assert response.json()["request_id"] == "req-0001-abcdef"
    assert response["X-Request-ID"] == "req-0001-abcdef"
    not_allowed = client_of_staff.delete(f"{SITES}")
    assert not_allowed.status_code == 405
    assert not_allowed.json()["code"] == "method_not_allowed"


def test_an_unknown_address_under_the_api_answers_json_404(client_of_staff):
    response = client_of_staff.get("/api/v1/no-such-resource/", HTTP_X_REQUEST_ID="req-404-abcdef")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert response.json()["request_id"] == "req-404-abcdef"


def test_errors_outside_the_api_views_can_answer_json_under_api_only():
    factory = RequestFactory()
    api_request = factory.get("/api/v1/no-such-thing/")
    api_request.request_id = "abc12345"

    response = json_error_response(api_request, 404)

    assert is_api_request(api_request)
    assert not is_api_request(factory.get("/staff/audit/"))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"code": "not_found", "detail": "Not found.", "request_id": "abc12345"}
    assert json.loads(json_error_response(api_request, 500).content)["code"] == "server_error"


def test_the_openapi_schema_validates_without_warnings_and_documents_bearer_tokens(tmp_path: Path):
    target = tmp_path / "openapi.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    assert schema["components"]["securitySchemes"]["bearerAuth"]["type"] == "http"
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    sites = schema["paths"]["/api/v1/sites/"]["get"]
    assert {"bearerAuth": []} in sites["security"]
    assert {"400", "401", "403", "429"} <= set(sites["responses"])
    assert sites["responses"]["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert set(schema["paths"]["/api/v1/sites/{id}/"]["get"]["responses"]) >= {"404"}
    assert schema["components"]["schemas"]["PaginatedSiteList"]["required"] == ["next", "previous", "results"]


def test_swagger_ui_is_served_from_our_own_static_files_without_inline_script(api_client):
    response = api_client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [source for source in sources if not source.startswith("/api/docs/?")]
    assert assets
    assert all(source.startswith(settings.STATIC_URL) for source in assets)
    for asset in assets:
        assert finders.find(asset.removeprefix(settings.STATIC_URL)), asset
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";") if directive
    )
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]

    init_url = next(source for source in sources if source.startswith("/api/docs/?"))
    init = api_client.get(init_url.replace("&amp;", "&"))
    assert init.status_code == 200
    assert "javascript" in init["Content-Type"]
    assert "/api/schema/" in init.content.decode()
    assert not re.search(r"https?://", init.content.decode())
