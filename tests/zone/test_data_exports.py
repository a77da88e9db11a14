"""Data export filings: submission under the negative list, assessment, decision, API and pages."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from hetao.errors import InvalidTransition
from hetao.services import api_token_create
from tests.api_objects import data_whitelisted, export_filing, export_values
from zone import services
from zone.models import DataExportFiling, Membership, NegativeListEntry

from .whitelist_helpers import make_institution, make_member, make_reviewer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/data/export-filings"


def entry(category, outcome, name, **fields):
    return services.negative_list_entry_save(
        instance=NegativeListEntry(category=category, outcome=outcome, name_en=name, **fields), actor=make_reviewer()
    )


def filer_of():
    institution = make_institution()
    return institution, make_member(institution, Membership.Role.FILER)


def token_client(user, institution=None, scopes=("data:read", "data:write")):
    _token, secret = api_token_create(owner=user, name="t", scopes=list(scopes), institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_human_genetic_data_needs_an_assessment_and_the_filing_says_why():
    rule = entry("human_genetic", "assessment", "Human genetic resources leave only after assessment.")
    institution, filer = filer_of()
    filing = export_filing(institution, filer, submit=True, categories=["human_genetic"], person_count=40)
    assert filing.status == "submitted"
    assert filing.outcome == "assessment"
    applied = [item for item in filing.explanation if item["entry"] == rule.pk]
    assert applied and applied[0]["reason"]["en"] == "Human genetic resources leave only after assessment."


def test_general_data_needs_filing_only():
    entry("general", "filing_only", "General research data is filed only.")
    institution, filer = filer_of()
    filing = export_filing(institution, filer, submit=True)
    assert filing.status == "submitted"
    assert filing.outcome == "filing_only"


def test_a_refused_filing_is_rejected_with_its_explanation():
    rule = entry("important", "refused", "Important data does not leave.")
    institution, filer = filer_of()
    filing = export_filing(institution, filer, submit=True, categories=["important"])
    assert filing.status == "rejected"
    assert filing.outcome == "refused"
    assert filing.decided_at is not None
    assert any(
        item["entry"] == rule.pk and item["reason"]["en"] == "Important data does not leave."
        for item in filing.explanation
    )


def test_assessment_filing_is_approved_only_after_assess():
    entry("human_genetic", "assessment", "Assess genomes.")
    institution, filer = filer_of()
    filing = export_filing(institution, filer, submit=True, categories=["human_genetic"], person_count=40)
    reviewer = make_reviewer()
    with pytest.raises(InvalidTransition):
        services.export_filing_approve(filing_id=filing.pk, actor=reviewer)
    filing.refresh_from_db()
    assert filing.status == "submitted" and not filing.number
    services.export_filing_assess(filing_id=filing.pk, actor=reviewer)
    approved = services.export_filing_approve(filing_id=filing.pk, actor=reviewer)
    approved.refresh_from_db()
    assert approved.status == "approved"
    assert re.fullmatch(r"HTDX-\d{4}-\d{6}", approved.number)
    assert approved.valid_until == approved.period_end


def test_withdraw_then_approve_via_api_is_an_invalid_transition():
    institution, filer = filer_of()
    filing = export_filing(institution, filer, submit=True)
    withdrawn = services.export_filing_withdraw(filing_id=filing.pk, actor=filer, reason="Not needed")
    assert withdrawn.status == "withdrawn"
    staff = token_client(make_reviewer())
    answer = staff.post(f"{BASE}/{filing.pk}/approve/", {}, format="json")
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "invalid_transition"


def test_an_institution_without_the_data_scope_cannot_submit():
    institution, filer = filer_of()
    data_whitelisted(institution, scopes=("goods",))
    filing = services.export_filing_create(institution=institution, actor=filer, **export_values())
    with pytest.raises((ValidationError, InvalidTransition)) as raised:
        services.export_filing_submit(filing_id=filing.pk, actor=filer)
    assert "data" in str(raised.value)
    filing.refresh_from_db()
    assert filing.status == "draft"


def _body(institution):
    return {
        "institution": institution.pk,
        **{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in export_values().items()},
    }


def test_api_create_submit_and_isolation():
    institution, filer = filer_of()
    data_whitelisted(institution)
    client = token_client(filer, institution)
    created = client.post(f"{BASE}/", _body(institution), format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    submitted = client.post(f"{BASE}/{pk}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted"
    other, other_filer = filer_of()
    stranger = token_client(other_filer, other)
    assert stranger.get(f"{BASE}/{pk}/").status_code == 404
    assert stranger.post(f"{BASE}/{pk}/withdraw/", {}, format="json").status_code == 404
    assert DataExportFiling.objects.get(pk=pk).status == "submitted"


def test_negative_list_endpoint_refuses_institution_bound_tokens():
    institution, filer = filer_of()
    client = token_client(filer, institution)
    answer = client.post(
        "/api/v1/data/negative-list/",
        {"category": "general", "outcome": "refused", "name_en": "No", "destinations": "any"},
        format="json",
    )
    assert answer.status_code in (403, 404), answer.content
    assert not NegativeListEntry.objects.filter(name_en="No").exists()


def test_pages_render():
    institution, filer = filer_of()
    filing = export_filing(institution, filer, submit=True)
    member = APIClient()
    member.force_login(filer)
    assert member.get(reverse("data-exports")).status_code == 200
    assert member.get(reverse("data-export", args=[filing.pk])).status_code == 200
    staff = APIClient()
    staff.force_login(make_reviewer())
    assert staff.get(reverse("staff-data-exports")).status_code == 200
    assert staff.get(reverse("staff-data-export", args=[filing.pk])).status_code == 200
    assert staff.get(reverse("staff-data-export-negative-list")).status_code == 200
