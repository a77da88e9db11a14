"""The customs resources of the partner API: declarations created with their items and filed, the
pre-check and the what-if that write nothing, stock with its movements, the slip scanned at the
gate, and the scopes and roles each needs."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from customs.models import Declaration, RiskRule, RuleSetVersion
from hetao.services import api_token_create

from .declaration_helpers import checkpoint, declarant, filed, officer, released

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customs"


def client_for(user, institution=None, scopes=("customs:read", "customs:write")) -> APIClient:
    _token, secret = api_token_create(owner=user, name="system", scopes=list(scopes), institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE="en")
    return client


def body(**changes) -> dict:
    values = {
        "line": "first",
        "direction": "into_park",
        "checkpoint": checkpoint("HT-FL-CARGO").code,
        "planned_date": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "transport_mode": "vehicle",
        "reference": "PO-7781",
        "items": [
            {
                "hs_code": "9027.20.10",
                "description": "Gas chromatograph",
                "quantity": "2",
                "unit": "pcs",
                "value": "150000.00",
                "currency": "HKD",
                "origin": "DE",
                "category": "instrument",
            }
        ],
    }
    values.update(changes)
    return values


def test_a_partner_system_declares_files_and_reads_the_decision():
    institution, filer, _reviewer = declarant()
    system = client_for(filer, institution)

    created = system.post(f"{BASE}/declarations/", body(), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["institution"] == institution.pk
    assert data["items"][0]["hs_code"] == "90272010"
    assert data["items"][0]["subheading_description"] == "Chromatographs and electrophoresis instruments"

    duplicate = system.post(f"{BASE}/declarations/", body(), format="json")
    assert duplicate.status_code == 400 and "reference" in duplicate.json()["errors"], duplicate.content

    unknown = body(reference="", items=[{**body()["items"][0], "hs_code": "902799"}])
    bad = system.post(f"{BASE}/declarations/", unknown, format="json")
    assert bad.status_code == 400
    assert "items.1.hs_code" in bad.json()["errors"]

    filed_ = system.post(f"{BASE}/declarations/{data['id']}/file/")
    assert filed_.status_code == 200, filed_.content
    decided = filed_.json()
    assert decided["number"].startswith("HTCD-") and decided["status"] == "filed"
    assert decided["regime"] == "filing_only"
    assert decided["rules_fired"][0]["reason"] == RiskRule.objects.get(priority=40).name_en
    assert decided["rule_set_version"] == RuleSetVersion.objects.order_by("-number").first().number

    again = system.post(f"{BASE}/declarations/{data['id']}/file/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    release = system.post(f"{BASE}/declarations/{data['id']}/release/", {}, format="json")
    assert release.status_code == 403

    listed = system.get(f"{BASE}/declarations/", {"lane": decided["lane"], "hs_chapter": "90", "status": "filed"})
    assert [row["id"] for row in listed.json()["results"]] == [data["id"]]
    assert system.get(f"{BASE}/declarations/", {"hs_chapter": "84"}).json()["results"] == []


def test_another_institution_sees_nothing_and_cannot_declare_for_the_first():
    institution, filer, _reviewer = declarant()
    other, other_filer, _ = declarant()
    declaration = filed(institution, filer)
    stranger = client_for(other_filer, other)
    assert stranger.get(f"{BASE}/declarations/{declaration.pk}/").status_code == 404
    assert stranger.post(f"{BASE}/declarations/{declaration.pk}/cancel/", {}, format="json").status_code == 404
    assert stranger.post(f"{BASE}/declarations/", body(institution=institution.pk), format="json").status_code == 404
    read_only = client_for(filer, institution, scopes=("customs:read",))
    assert read_only.post(f"{BASE}/declarations/", body(), format="json").status_code == 403


def test_the_precheck_answers_without_writing():
    institution, filer, _reviewer = declarant()
    system = client_for(filer, institution)
    before = Declaration.objects.count()
    refused = body(items=[{**body()["items"][0], "category": "dual_use"}])
    answer = system.post(f"{BASE}/precheck/", refused, format="json")
    assert answer.status_code == 200, answer.content
    result = answer.json()
    assert result["refused"] is True and result["permit_required"] is True
    assert any("permit" in fired["reason"] for fired in result["rules_fired"])
    broken = system.post(f"{BASE}/precheck/", body(items=[{**body()["items"][0], "hs_code": "12"}]), format="json")
    assert broken.status_code == 200 and "items.1.hs_code" in broken.json()["errors"]
    assert Declaration.objects.count() == before


def test_officers_decide_scan_the_slip_and_read_the_stock():
    institution, filer, _reviewer = declarant()
    customs = officer()
    staff = client_for(customs)
    declaration = filed(institution, filer)
    assert staff.post(f"{BASE}/declarations/{declaration.pk}/hold/", {"reason": ""}, format="json").status_code == 400
    released_ = staff.post(f"{BASE}/declarations/{declaration.pk}/release/", {"note": "OK"}, format="json")
    assert released_.status_code == 200, released_.content
    slip = released_.json()["slip_number"]
    assert slip.startswith("HTRS-") and released_.json()["slip_qr"].startswith("data:image/svg+xml")

    wrong_place = checkpoint("HT-NO1").code
    wrong = staff.post(f"{BASE}/passages/scan/", {"slip_number": slip, "checkpoint": wrong_place}, format="json")
    assert wrong.status_code == 400 and "HT-FL-CARGO" in str(wrong.json())
    passed = staff.post(f"{BASE}/passages/scan/", {"slip_number": slip, "checkpoint": "HT-FL-CARGO"}, format="json")
    assert passed.status_code == 201, passed.content
    second = staff.post(f"{BASE}/passages/scan/", {"slip_number": slip, "checkpoint": "HT-FL-CARGO"}, format="json")
    assert second.status_code == 400 and "already passed" in str(second.json())

    member = client_for(filer, institution)
    scan = {"slip_number": slip, "checkpoint": "HT-FL-CARGO"}
    assert member.post(f"{BASE}/passages/scan/", scan, format="json").status_code == 403
    stock = member.get(f"{BASE}/stock/").json()["results"]
    assert [(row["subheading"], row["quantity"]) for row in stock] == [("902720", "2.000")]
    movements = member.get(f"{BASE}/stock/{stock[0]['id']}/movements/").json()
    assert movements[0]["kind"] == "entry" and movements[0]["declaration_number"] == declaration.number
    assert [row["declaration"] for row in member.get(f"{BASE}/passages/").json()["results"]] == [declaration.pk]


def test_risk_rules_are_read_by_all_and_changed_by_officers_with_a_what_if_first():
    institution, filer, _reviewer = declarant()
    customs = officer()
    released(institution, filer, customs)
    staff = client_for(customs)
    member = client_for(filer, institution)
    rules = member.get(f"{BASE}/risk-rules/").json()["results"]
    assert [rule["priority"] for rule in rules][:3] == [10, 20, 21]
    first_line = next(rule for rule in rules if rule["priority"] == 40)

    today = timezone.localdate().isoformat()
    what_if = {"start": today, "end": today, "rules": [{"id": first_line["id"], "lane": "red"}]}
    assert member.post(f"{BASE}/risk-rules/what-if/", what_if, format="json").status_code == 403
    versions = RuleSetVersion.objects.count()
    answer = staff.post(f"{BASE}/risk-rules/what-if/", what_if, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["declarations"] == 1 and answer.json()["changed"] == 1
    assert RuleSetVersion.objects.count() == versions
    assert RiskRule.objects.get(pk=first_line["id"]).lane == "green"

    changed = staff.patch(f"{BASE}/risk-rules/{first_line['id']}/", {"lane": "red"}, format="json")
    assert changed.status_code == 200, changed.content
    assert RuleSetVersion.objects.count() == versions + 1
    assert member.patch(f"{BASE}/risk-rules/{first_line['id']}/", {"lane": "green"}, format="json").status_code == 403
    empty = staff.post(f"{BASE}/risk-rules/", {"priority": 5, "name_en": "Nothing"}, format="json")
    assert empty.status_code == 400
