import pytest
from rest_framework.test import APIClient

from hetao.services import api_token_create
from zone.models import ApplicationDocument, ApplicationStatus, Membership, WhitelistApplication, WhitelistEntry

from .whitelist_helpers import (
    application_under_review,
    make_institution,
    make_member,
    make_reviewer,
    pdf_upload,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/whitelist"
ALL_SCOPES = ["whitelist:read", "whitelist:write"]


def token_client(user, institution=None, scopes=ALL_SCOPES) -> APIClient:
    _token, secret = api_token_create(owner=user, name="back-office", scopes=scopes, institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_the_whole_workflow_through_the_api_with_tokens():
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    applicant = token_client(filer, institution)
    reviewer = make_reviewer()
    staff = token_client(reviewer, scopes=ALL_SCOPES)

    created = applicant.post(
        f"{BASE}/applications/",
        {
            "kind": "new",
            "requested_scopes": ["goods", "data"],
            "research_fields": "AI",
            "justification": "Sample exchange with our Hong Kong lab",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["institution"] == institution.pk
    assert created.json()["status"] == "draft"

    upload = applicant.post(
        f"{BASE}/applications/{pk}/documents/", {"kind": "research_plan", "file": pdf_upload()}, format="multipart"
    )
    assert upload.status_code == 201, upload.content
    assert upload.json()["content_type"] == "application/pdf"
    download = applicant.get(upload.json()["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    assert applicant.post(f"{BASE}/applications/{pk}/submit/").json()["status"] == "submitted"
    assigned = staff.post(f"{BASE}/applications/{pk}/assign/", {"reviewer": reviewer.username}, format="json")
    assert assigned.json()["status"] == "under_review"
    changes = staff.post(f"{BASE}/applications/{pk}/request-changes/", {"message": "Add the lab list"}, format="json")
    assert changes.json()["status"] == "changes_requested"
    comments = applicant.get(f"{BASE}/applications/{pk}/comments/").json()
    assert [c["body"] for c in comments] == ["Add the lab list"]

    edited = applicant.patch(f"{BASE}/applications/{pk}/", {"justification": "Lab list attached"}, format="json")
    assert edited.status_code == 200
    assert edited.json()["justification"] == "Lab list attached"
    applicant.post(f"{BASE}/applications/{pk}/submit/")
    staff.post(f"{BASE}/applications/{pk}/assign/", {"reviewer": reviewer.username}, format="json")
    approved = staff.post(f"{BASE}/applications/{pk}/approve/", {"scopes": ["goods"]}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"
    filing_no = approved.json()["filing_no"]
    assert filing_no.startswith("HTWL-")

    entries = applicant.get(f"{BASE}/entries/").json()["results"]
    assert [(e["filing_no"], e["scopes"]) for e in entries] == [(filing_no, ["goods"])]
    verify = APIClient().get(f"{BASE}/verify/{filing_no}/")
    assert verify.status_code == 200
    assert verify.json() == {
        "filing_no": filing_no,
        "found": True,
        "valid": True,
        "status": "active",
        "scopes": ["goods"],
        "valid_until": entries[0]["valid_until"],
    }


def test_rejection_through_the_api():
    application, _filer, reviewer = application_under_review()
    response = token_client(reviewer).post(
        f"{BASE}/applications/{application.pk}/reject/", {"reason": "Out of scope"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["decision_reason"] == "Out of scope"


def test_an_invalid_transition_answers_409_with_a_machine_readable_code():
    application, filer, _reviewer = application_under_review()
    response = token_client(filer, application.institution).post(f"{BASE}/applications/{application.pk}/submit/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_a_filer_cannot_approve_through_the_api():
    application, filer, _reviewer = application_under_review()
    response = token_client(filer, application.institution).post(
        f"{BASE}/applications/{application.pk}/approve/", {}, format="json"
    )
    assert response.status_code == 403
    assert not WhitelistEntry.objects.exists()


def test_a_viewer_cannot_submit_through_the_browser_session():
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    viewer = make_member(institution, Membership.Role.VIEWER)
    created = session_client(filer).post(f"{BASE}/applications/", {"requested_scopes": ["goods"]}, format="json")
    response = session_client(viewer).post(f"{BASE}/applications/{created.json()['id']}/submit/")
    assert response.status_code == 403


def test_a_token_without_the_write_scope_cannot_file():
    institution = make_institution()
    filer = make_member(institution)
    response = token_client(filer, institution, scopes=["whitelist:read"]).post(
        f"{BASE}/applications/", {}, format="json"
    )
    assert response.status_code == 403
    assert not WhitelistApplication.objects.exists()


def test_a_bad_upload_gets_a_clear_field_error_not_a_500():
    institution = make_institution()
    filer = make_member(institution)
    client = token_client(filer, institution)
    pk = client.post(f"{BASE}/applications/", {"justification": "Lab exchange"}, format="json").json()["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 300)
    response = client.post(
        f"{BASE}/applications/{pk}/documents/", {"kind": "research_plan", "file": exe}, format="multipart"
    )
    assert response.status_code == 400
    assert "PDF" in str(response.json())
    assert not ApplicationDocument.objects.exists()


class TestTenancy:
    """Institution A's user and token get 404 on B's objects, and lists show only A's."""

    @pytest.fixture
    def world(self):
        a_application, a_filer, reviewer = application_under_review()
        b_application, b_filer, _ = application_under_review()
        a_entry = WhitelistEntry.objects.get(pk=_approve(a_application, reviewer))
        b_entry = WhitelistEntry.objects.get(pk=_approve(b_application, reviewer))
        return {
            "a": (a_application, a_filer, a_entry),
            "b": (b_application, b_filer, b_entry),
        }

    @pytest.fixture(params=["token", "session"])
    def a_client(self, request, world):
        application, filer, _entry = world["a"]
        if request.param == "token":
            return token_client(filer, application.institution)
        return session_client(filer)

    def test_lists_show_only_the_own_institution(self, a_client, world):
        applications = a_client.get(f"{BASE}/applications/").json()["results"]
        entries = a_client.get(f"{BASE}/entries/").json()["results"]
        assert [a["id"] for a in applications] == [world["a"][0].pk]
        assert [e["id"] for e in entries] == [world["a"][2].pk]

    @pytest.mark.parametrize(
        ("method", "suffix", "body"),
        [
            ("get", "", None),
            ("patch", "", {"justification": "x"}),
            ("post", "submit/", None),
            ("post", "withdraw/", {}),
            ("post", "assign/", {"reviewer": "nobody"}),
            ("post", "request-changes/", {"message": "x"}),
            ("post", "approve/", {}),
            ("post", "reject/", {"reason": "x"}),
            ("get", "documents/", None),
            ("post", "documents/", {"kind": "other"}),
            ("get", "comments/", None),
            ("post", "comments/", {"body": "x"}),
        ],
    )
    def test_every_application_endpoint_answers_404_for_another_institution(
        self, a_client, world, method, suffix, body
    ):
        b_application = world["b"][0]
        response = getattr(a_client, method)(f"{BASE}/applications/{b_application.pk}/{suffix}", body, format="json")
        assert response.status_code == 404, (method, suffix, response.content)

    def test_another_institutions_document_cannot_be_downloaded(self, a_client, world):
        b_application = world["b"][0]
        document = b_application.documents.get()
        response = a_client.get(f"{BASE}/applications/{b_application.pk}/documents/{document.pk}/download/")
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("method", "suffix"),
        [
            ("get", ""),
            ("post", "suspend/"),
            ("post", "reinstate/"),
            ("post", "revoke/"),
        ],
    )
    def test_every_entry_endpoint_answers_404_for_another_institution(self, a_client, world, method, suffix):
        response = getattr(a_client, method)(
            f"{BASE}/entries/{world['b'][2].pk}/{suffix}", {"reason": "x"}, format="json"
        )
        assert response.status_code == 404

    def test_an_applicant_cannot_change_its_own_entry(self, a_client, world):
        response = a_client.post(f"{BASE}/entries/{world['a'][2].pk}/suspend/", {"reason": "x"}, format="json")
        assert response.status_code == 403

    def test_an_applicant_does_not_see_internal_comments(self, a_client, world):
        application = world["a"][0]
        reviewer = make_reviewer()
        session_client(reviewer).post(
            f"{BASE}/applications/{application.pk}/comments/",
            {"body": "internal note", "visibility": "internal"},
            format="json",
        )
        bodies = [c["body"] for c in a_client.get(f"{BASE}/applications/{application.pk}/comments/").json()]
        assert "internal note" not in bodies


def _approve(application, reviewer) -> int:
    from zone import services

    return services.application_approve(application_id=application.pk, actor=reviewer).pk


def test_a_repeated_create_with_the_same_idempotency_key_returns_the_original():
    institution = make_institution()
    client = token_client(make_member(institution), institution)
    body = {"requested_scopes": ["goods"], "justification": "x"}

    first = client.post(f"{BASE}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(f"{BASE}/applications/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(
        f"{BASE}/applications/", {**body, "justification": "y"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert WhitelistApplication.objects.count() == 1


def test_an_unknown_filing_number_is_reported_as_not_found_without_details():
    response = APIClient().get(f"{BASE}/verify/HTWL-2020-000001/")
    assert response.status_code == 200
    assert response.json() == {"filing_no": "HTWL-2020-000001", "found": False, "valid": False}
