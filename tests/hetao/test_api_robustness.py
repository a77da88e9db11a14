"""Hostile and careless input to the API: every one is a clear 4xx JSON error and nothing is written."""

import json
import re
from decimal import Decimal

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from hetao.api.pagination import cursor_token
from hetao.api.throttling import AuthFailureThrottle
from hetao.limits import COMMENT_MAX, DAYS_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX
from hetao.models import ApiScope
from tests.factories import ApiTokenFactory, InstitutionFactory, SiteFactory, StaffUserFactory, UserFactory
from tests.zone.whitelist_helpers import (
    application_under_review,
    make_institution,
    make_member,
    make_reviewer,
    submitted_application,
)
from zone.filtersets.whitelist import WhitelistApplicationFilterSet
from zone.models import (
    ApplicationComment,
    ApplicationStatus,
    Membership,
    WhitelistApplication,
    WhitelistEntry,
)

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/whitelist/applications/"
WHITELIST_SCOPES = [ApiScope.WHITELIST_READ, ApiScope.WHITELIST_WRITE]


@pytest.fixture
def applicant(bearer_client):
    """A filer of an institution, with a token bound to it."""
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    _token, secret = ApiTokenFactory.create(owner=filer, institution=institution, scopes=WHITELIST_SCOPES)
    client = bearer_client(secret)
    client.institution = institution
    client.user = filer
    return client


@pytest.fixture
def reviewer_client(bearer_client):
    reviewer = make_reviewer()
    _token, secret = ApiTokenFactory.create(owner=reviewer, scopes=WHITELIST_SCOPES)
    client = bearer_client(secret)
    client.user = reviewer
    return client


@pytest.fixture
def staff_client(bearer_client):
    _token, secret = ApiTokenFactory.create(owner=StaffUserFactory(role="zone_admin"), scopes=list(ApiScope.values))
    return bearer_client(secret)


def _counts():
    return (
        WhitelistApplication.objects.count(),
        WhitelistEntry.objects.count(),
        ApplicationComment.objects.count(),
    )


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    if status == 400:
        assert isinstance(body["errors"], dict) and body["errors"], body
    return body


def _schema() -> dict:
    from io import StringIO

    out = StringIO()
    call_command("spectacular", stdout=out)
    return yaml.safe_load(out.getvalue())


# -- 1. "older than N days" beyond the calendar ------------------------------------------------------


def test_an_older_than_days_filter_beyond_the_calendar_is_a_400_with_a_field_message(staff_client):
    submitted_application()

    response = staff_client.get(APPLICATIONS, {"older_than_days": 1_000_000})

    body = _refused(response, 400, "invalid")
    assert list(body["errors"]) == ["older_than_days"]
    assert staff_client.get(APPLICATIONS, {"older_than_days": DAYS_MAX}).status_code == 200


@pytest.mark.parametrize(
    ("days", "expected"),
    [(Decimal("1000000"), 0), (Decimal("1e30"), 0), (Decimal("NaN"), 0), (Decimal("-5"), 1), (Decimal("0"), 1)],
)
def test_the_older_than_filter_method_is_safe_for_any_number(days, expected):
    submitted_application()
    filterset = WhitelistApplicationFilterSet(data={}, queryset=WhitelistApplication.objects.all())

    rows = list(filterset.filter_older_than(WhitelistApplication.objects.all(), "older_than_days", days))

    assert len(rows) == expected


# -- 2. an Authorization header of Unicode whitespace ------------------------------------------------


@pytest.mark.parametrize("header", ["\xa0", "\x85", " \xa0 "])
def test_an_authorization_header_of_only_unicode_whitespace_is_a_malformed_401(api_client, header):
    response = api_client.get(APPLICATIONS, HTTP_AUTHORIZATION=header)

    _refused(response, 401, "token_malformed")


# -- 3. JSON nesting and numbers that are not finite -------------------------------------------------


def test_json_nested_two_thousand_levels_deep_is_refused_and_nothing_is_created(applicant):
    before = _counts()
    body = '{"justification": ' + "[" * 2000 + "]" * 2000 + "}"

    response = applicant.post(APPLICATIONS, body, content_type="application/json")

    _refused(response, 400, "json_too_deep")
    assert _counts() == before


def test_json_at_the_depth_limit_is_parsed_and_brackets_inside_strings_do_not_count(applicant):
    from hetao.limits import JSON_MAX_DEPTH

    nested = "[" * (JSON_MAX_DEPTH - 1) + "]" * (JSON_MAX_DEPTH - 1)
    body = '{"justification": "' + "[" * 500 + '", "requested_scopes": ' + nested + "}"

    response = applicant.post(APPLICATIONS, body, content_type="application/json")

    # Parsed: the refusal is about the field's type, not the body's structure.
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "requested_scopes" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        '{"institution": 1e400, "justification": "x"}',
        '{"institution": -1e400, "justification": "x"}',
        '{"institution": NaN, "justification": "x"}',
        '{"institution": Infinity, "justification": "x"}',
        '{"institution": -Infinity, "justification": "x"}',
    ],
)
def test_a_json_number_that_is_not_finite_is_refused_and_nothing_is_created(applicant, body):
    before = _counts()

    response = applicant.post(APPLICATIONS, body, content_type="application/json")

    _refused(response, 400, "json_number_not_finite")
    assert _counts() == before


# -- 4. NUL characters ------------------------------------------------------------------------------


def test_a_nul_byte_in_the_filing_number_to_verify_is_refused(api_client):
    response = api_client.get("/api/v1/whitelist/verify/%00/")

    _refused(response, 400, "nul_character")


def test_a_nul_byte_in_the_assignee_is_refused_and_nothing_changes(reviewer_client):
    application, _filer = submitted_application()
    before = _counts()

    response = reviewer_client.post(
        f"{APPLICATIONS}{application.pk}/assign/", {"reviewer": "rev\x00iewer"}, format="json"
    )

    _refused(response, 400, "nul_character")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.reviewer is None
    assert _counts() == before


def test_a_nul_byte_in_a_json_string_is_refused_and_nothing_is_created(applicant):
    before = _counts()

    response = applicant.post(APPLICATIONS, '{"justification": "lab\\u0000exchange"}', content_type="application/json")

    _refused(response, 400, "nul_character")
    assert _counts() == before


def test_a_nul_byte_in_a_form_body_is_refused_and_nothing_is_created(applicant):
    before = _counts()

    response = applicant.post(
        APPLICATIONS, "justification=lab%00exchange", content_type="application/x-www-form-urlencoded"
    )

    _refused(response, 400, "nul_character")
    assert _counts() == before


def test_a_nul_byte_in_a_multipart_field_is_refused_and_nothing_is_created(applicant):
    before = _counts()

    response = applicant.post(APPLICATIONS, {"justification": "lab\x00exchange"}, format="multipart")

    _refused(response, 400, "nul_character")
    assert _counts() == before


def test_a_nul_byte_in_a_query_parameter_is_refused(staff_client):
    response = staff_client.get(f"{APPLICATIONS}?reviewer=a%00b")

    _refused(response, 400, "nul_character")


def test_a_cursor_that_decodes_to_a_nul_is_a_400_not_a_database_error(staff_client):
    SiteFactory()

    for cursor in [cursor_token(["code", "id"], ["\x00", 1]), "AA", "%00"]:
        response = staff_client.get(f"/api/v1/sites/?cursor={cursor}")
        assert response.status_code == 400, (cursor, response.content)
        assert response.json()["errors"]


def test_a_nul_byte_in_a_page_address_answers_the_html_400_page(client):
    response = client.get("/accounts/login/?next=%00")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# -- 5. dates beyond the calendar -------------------------------------------------------------------


@pytest.mark.parametrize(
    "dates",
    [{"valid_from": "9999-06-01"}, {"valid_from": "0001-01-01"}, {"valid_until": "9999-12-31"}],
)
def test_an_approval_with_a_date_beyond_the_portals_calendar_is_refused_and_nothing_changes(bearer_client, dates):
    application, _filer, reviewer = application_under_review()
    _token, secret = ApiTokenFactory.create(owner=reviewer, scopes=WHITELIST_SCOPES)
    before = _counts()

    response = bearer_client(secret).post(f"{APPLICATIONS}{application.pk}/approve/", dates, format="json")

    body = _refused(response, 400, "invalid")
    assert list(body["errors"]) == list(dates)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert _counts() == before


def test_a_date_filter_beyond_the_portals_calendar_is_a_400(staff_client):
    for params in [{"submitted_after": "9999-12-31"}, {"submitted_before": "0001-01-01"}]:
        response = staff_client.get(APPLICATIONS, params)
        assert list(_refused(response, 400, "invalid")["errors"]) == list(params)
    response = staff_client.get("/api/v1/whitelist/entries/", {"valid_on": "9999-12-31"})
    assert list(_refused(response, 400, "invalid")["errors"]) == ["valid_on"]


# -- 6. text lengths --------------------------------------------------------------------------------


def test_an_overlong_justification_is_refused_and_nothing_is_created(applicant):
    before = _counts()

    response = applicant.post(APPLICATIONS, {"justification": "x" * (LONG_TEXT_MAX + 1)}, format="json")

    assert list(_refused(response, 400, "invalid")["errors"]) == ["justification"]
    assert _counts() == before
    assert applicant.post(APPLICATIONS, {"justification": "x" * LONG_TEXT_MAX}, format="json").status_code == 201


@pytest.mark.parametrize(
    ("suffix", "field", "limit"),
    [
        ("comments/", "body", COMMENT_MAX),
        ("request-changes/", "message", COMMENT_MAX),
        ("reject/", "reason", COMMENT_MAX),
        ("approve/", "note", NOTE_MAX),
    ],
)
def test_an_overlong_text_on_an_application_action_is_refused_and_nothing_changes(bearer_client, suffix, field, limit):
    application, _filer, reviewer = application_under_review()
    _token, secret = ApiTokenFactory.create(owner=reviewer, scopes=WHITELIST_SCOPES)
    before = _counts()

    response = bearer_client(secret).post(
        f"{APPLICATIONS}{application.pk}/{suffix}", {field: "x" * (limit + 1)}, format="json"
    )

    assert list(_refused(response, 400, "invalid")["errors"]) == [field]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert _counts() == before


@pytest.mark.parametrize("action", ["suspend", "revoke", "reinstate"])
def test_an_overlong_reason_on_an_entry_is_refused_and_nothing_changes(staff_client, action):
    from zone import services

    application, _filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    if action == "reinstate":
        services.entry_suspend(entry_id=entry.pk, actor=reviewer, reason="Audit")
    entry.refresh_from_db()
    status = entry.status

    response = staff_client.post(
        f"/api/v1/whitelist/entries/{entry.pk}/{action}/", {"reason": "x" * (NOTE_MAX + 1)}, format="json"
    )

    assert list(_refused(response, 400, "invalid")["errors"]) == ["reason"]
    entry.refresh_from_db()
    assert entry.status == status


def test_the_schema_shows_the_maximum_length_of_every_text_input():
    schema = _schema()
    schemas = schema["components"]["schemas"]

    assert schemas["WhitelistApplicationRequest"]["properties"]["justification"]["maxLength"] == LONG_TEXT_MAX
    assert schemas["WhitelistApplicationRequest"]["properties"]["research_fields"]["maxLength"] == SHORT_TEXT_MAX
    assert schemas["PatchedWhitelistApplicationUpdateRequest"]["properties"]["justification"]["maxLength"] == (
        LONG_TEXT_MAX
    )
    assert schemas["ApplicationCommentRequest"]["properties"]["body"]["maxLength"] == COMMENT_MAX
    assert schemas["MessageRequest"]["properties"]["message"]["maxLength"] == COMMENT_MAX
    assert schemas["RejectRequest"]["properties"]["reason"]["maxLength"] == COMMENT_MAX
    assert schemas["ReasonRequest"]["properties"]["reason"]["maxLength"] == NOTE_MAX
    assert schemas["OptionalReasonRequest"]["properties"]["reason"]["maxLength"] == NOTE_MAX
    assert schemas["ApproveRequest"]["properties"]["note"]["maxLength"] == NOTE_MAX
    # No request body has a string without a bound.
    bodies = {
        content["schema"]["$ref"].rsplit("/", 1)[1]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for content in operation.get("requestBody", {}).get("content", {}).values()
    }
    assert "AssignRequest" in bodies
    for name in bodies:
        for field, prop in schemas[name]["properties"].items():
            if prop.get("type") == "string" and prop.get("format") not in ("binary", "date"):
                assert "maxLength" in prop, (name, field)


# -- 7. bodies over the size limit ------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000)
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_body_over_the_configured_limit_is_a_json_413_and_nothing_is_created(applicant, content_type):
    before = _counts()
    big = "x" * 2_000
    if content_type == "application/json":
        response = applicant.post(APPLICATIONS, {"justification": big}, format="json")
    elif content_type == "multipart/form-data":
        # Under the document allowance as a whole, but a field alone is over the limit.
        response = applicant.post(APPLICATIONS, {"justification": big * 5}, format="multipart")
    else:
        response = applicant.post(APPLICATIONS, f"justification={big}", content_type=content_type)

    _refused(response, 413, "request_too_large")
    assert _counts() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2_000, UPLOAD_MAX_BYTES=2_000)
def test_an_upload_over_the_document_allowance_is_a_json_413(applicant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = applicant.post(
        APPLICATIONS,
        {"justification": "x", "file": SimpleUploadedFile("plan.pdf", b"%PDF" + b"0" * 400_000)},
        format="multipart",
    )

    _refused(response, 413, "request_too_large")


# -- 8. empty and garbled bodies --------------------------------------------------------------------


def test_an_empty_application_is_refused_with_what_it_needs_and_nothing_is_created(applicant):
    before = _counts()

    for body in [{}, {"kind": "new"}, {"justification": "   ", "requested_scopes": []}]:
        response = applicant.post(APPLICATIONS, body, format="json")
        errors = _refused(response, 400, "invalid")["errors"]
        assert "requested_scopes" in errors["non_field_errors"][0], errors
    empty_body = applicant.post(APPLICATIONS, b"", content_type="application/json")
    _refused(empty_body, 400, "invalid")
    assert _counts() == before


def test_a_form_body_that_is_not_utf8_is_refused_and_nothing_is_created(applicant):
    before = _counts()

    response = applicant.post(APPLICATIONS, b"justification=caf%E9", content_type="application/x-www-form-urlencoded")

    _refused(response, 400, "invalid_encoding")
    assert _counts() == before


def test_a_multipart_body_that_is_not_utf8_is_refused_and_nothing_is_created(applicant):
    before = _counts()
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="justification"\r\n\r\n'.encode()
        + b"caf\xe9 au lait\r\n"
        + f"--{boundary}--\r\n".encode()
    )

    response = applicant.post(APPLICATIONS, body, content_type=f"multipart/form-data; boundary={boundary}")

    _refused(response, 400, "invalid_encoding")
    assert _counts() == before


def test_a_json_body_that_is_not_utf8_is_refused(applicant):
    response = applicant.post(APPLICATIONS, b'{"justification": "caf\xe9"}', content_type="application/json")

    _refused(response, 400, "invalid_encoding")


# -- 9. existence oracles ---------------------------------------------------------------------------


def _same_answer(first, second):
    assert first.status_code == second.status_code
    one, two = first.json(), second.json()
    one.pop("request_id", None)
    two.pop("request_id", None)
    assert one == two


def test_filing_for_another_institution_and_for_none_at_all_are_answered_alike(applicant):
    other = InstitutionFactory()
    before = _counts()

    another = applicant.post(APPLICATIONS, {"institution": other.pk, "justification": "x"}, format="json")
    unknown = applicant.post(APPLICATIONS, {"institution": 999_999_999, "justification": "x"}, format="json")

    _refused(another, 404, "not_found")
    _same_answer(another, unknown)
    assert _counts() == before


def test_the_institution_filter_answers_another_institution_and_an_unknown_one_alike(applicant):
    other, _filer = submitted_application()
    mine, _ = submitted_application(institution=applicant.institution)

    another = applicant.get(APPLICATIONS, {"institution": other.institution_id})
    unknown = applicant.get(APPLICATIONS, {"institution": 999_999_999})
    own = applicant.get(APPLICATIONS, {"institution": applicant.institution.pk})

    assert another.status_code == 200
    assert another.json()["results"] == []
    _same_answer(another, unknown)
    assert [row["id"] for row in own.json()["results"]] == [mine.pk]


def test_an_applicant_gets_the_same_answer_to_assign_whatever_username_it_sends(applicant):
    application, _filer = submitted_application(institution=applicant.institution)
    existing = make_reviewer()
    before = _counts()

    answers = [
        applicant.post(f"{APPLICATIONS}{application.pk}/assign/", {"reviewer": name}, format="json")
        for name in [existing.username, "no-such-user-at-all", applicant.user.username]
    ]

    _refused(answers[0], 403, "not_allowed")
    _same_answer(answers[0], answers[1])
    _same_answer(answers[0], answers[2])
    application.refresh_from_db()
    assert application.reviewer is None
    assert _counts() == before


def test_a_reviewer_gets_one_message_for_any_username_that_is_not_a_reviewers(reviewer_client):
    application, _filer = submitted_application()
    somebody = UserFactory()

    not_a_reviewer = reviewer_client.post(
        f"{APPLICATIONS}{application.pk}/assign/", {"reviewer": somebody.username}, format="json"
    )
    nobody = reviewer_client.post(
        f"{APPLICATIONS}{application.pk}/assign/", {"reviewer": "no-such-user-at-all"}, format="json"
    )

    assert list(_refused(not_a_reviewer, 400, "invalid")["errors"]) == ["reviewer"]
    _same_answer(not_a_reviewer, nobody)
    application.refresh_from_db()
    assert application.reviewer is None


# -- 10. failed authentication is throttled ---------------------------------------------------------


def test_after_too_many_failed_authentications_even_a_valid_token_waits_with_429(bearer_client, monkeypatch):
    clock = [1_899_999_940.0]  # 40 s into a minute-long window
    monkeypatch.setattr(AuthFailureThrottle, "timer", staticmethod(lambda: clock[0]))
    _token, secret = ApiTokenFactory.create()
    address = {"REMOTE_ADDR": "203.0.113.9"}

    with override_settings(API_AUTH_FAILURE_THROTTLE_RATE="3/min"):
        failures = [bearer_client(f"htz_guess{n}", **address).get("/api/v1/sites/") for n in range(3)]
        guessing = bearer_client("htz_guess-again", **address).get("/api/v1/sites/")
        valid = bearer_client(secret, **address).get("/api/v1/sites/")
        anonymous = bearer_client("x", **address)
        anonymous.credentials(**address)
        anonymous_answer = anonymous.get("/api/v1/sites/")
        elsewhere = bearer_client("htz_guess-elsewhere", REMOTE_ADDR="203.0.113.10").get("/api/v1/sites/")
        clock[0] += 20  # the next minute
        next_window = bearer_client(secret, **address).get("/api/v1/sites/")

    assert [response.status_code for response in failures] == [401, 401, 401]
    _refused(guessing, 429, "throttled")
    assert guessing["Retry-After"] == "20"
    _refused(valid, 429, "throttled")
    _refused(anonymous_answer, 429, "throttled")
    assert elsewhere.status_code == 401
    assert next_window.status_code == 200


def test_anonymous_requests_refused_with_401_count_as_failures(api_client, monkeypatch):
    monkeypatch.setattr(AuthFailureThrottle, "timer", staticmethod(lambda: 1_899_999_000.0))
    address = {"REMOTE_ADDR": "203.0.113.20"}

    with override_settings(API_AUTH_FAILURE_THROTTLE_RATE="2/min"):
        statuses = [api_client.get("/api/v1/sites/", **address).status_code for _ in range(3)]

    assert statuses == [401, 401, 429]


# -- 11. the schema says what the API answers -------------------------------------------------------


@pytest.mark.parametrize("body", ["{", "[1, 2", '{"justification": "x"} trailing'])
def test_a_body_that_is_not_json_is_a_400_with_the_documented_errors_field(applicant, body):
    before = _counts()

    response = applicant.post(APPLICATIONS, body, content_type="application/json")

    errors = _refused(response, 400, "parse_error")["errors"]
    assert list(errors) == ["non_field_errors"]
    assert _counts() == before


def test_fields_that_may_be_null_are_declared_nullable():
    schemas = _schema()["components"]["schemas"]

    application = schemas["WhitelistApplication"]["properties"]
    for field in ["reviewer", "filing_no", "submitted_at", "decided_at"]:
        assert application[field].get("nullable") is True, field


def test_an_institution_without_website_or_email_conforms_to_the_schema(staff_client):
    institution = InstitutionFactory(website="", email="")

    body = staff_client.get(f"/api/v1/institutions/{institution.pk}/").json()
    properties = _schema()["components"]["schemas"]["Institution"]["properties"]

    assert body["website"] == body["email"] == ""
    for field in ["website", "email"]:
        assert {"type": "string", "maxLength": 0} in properties[field]["anyOf"], field


def test_list_filters_do_not_apply_to_detail_routes(applicant):
    application, _filer = submitted_application(institution=applicant.institution)

    for suffix in ["", "documents/", "comments/"]:
        response = applicant.get(f"{APPLICATIONS}{application.pk}/{suffix}?institution=0&ordering=nonsense")
        assert response.status_code == 200, (suffix, response.content)
    operations = _schema()["paths"]["/api/v1/whitelist/applications/{id}/documents/"]["get"]
    assert [parameter["name"] for parameter in operations["parameters"]] == ["id"]


def test_errors_of_a_lists_items_come_back_flat_per_field(applicant):
    before = _counts()

    response = applicant.post(APPLICATIONS, {"requested_scopes": ["goods", "nope", "wishes"]}, format="json")

    errors = _refused(response, 400, "invalid")["errors"]
    assert list(errors) == ["requested_scopes"]
    assert [message.split(":")[0] for message in errors["requested_scopes"]] == ["Item 2", "Item 3"]
    assert all(isinstance(message, str) for message in errors["requested_scopes"])
    assert _counts() == before


def test_swagger_ui_calls_no_outside_validator_and_has_no_inline_style(api_client):
    page = api_client.get("/api/docs/")
    script = api_client.get("/api/docs/?script=")

    html = page.content.decode()
    assert page.status_code == 200
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert all(href.startswith(settings.STATIC_URL) for href in stylesheets)
    assert api_client.get(stylesheets[-1]).status_code == 200
    settings_json = re.search(r"const swaggerSettings = (\{.*?\});", script.content.decode(), flags=re.S)
    assert json.loads(settings_json.group(1))["validatorUrl"] is None
