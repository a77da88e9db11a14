"""A declaration's page shows its history from the audit trail: each change of state, when, by
whom, with the officer's reason."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from .declaration_helpers import declarant, filed, officer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_the_history_lists_each_step_with_its_officer_and_reason():
    institution, filer, _reviewer = declarant()
    customs = officer(username="officer-ho")
    declaration = filed(institution, filer)
    staff = Client()
    staff.force_login(customs)
    held = staff.post(reverse("staff-customs-declaration-hold", args=[declaration.pk]), {"reason": "Invoice missing."})
    assert held.status_code == 302, held.content.decode()[:2000]
    staff.post(reverse("staff-customs-declaration-release", args=[declaration.pk]), {"note": "Invoice seen."})

    page = staff.get(reverse("staff-customs-declaration", args=[declaration.pk]))
    steps = page.context["history"]
    assert [step["status"] for step in steps] == ["draft", "filed", "held", "released"]
    assert steps[2]["actor"] == "officer-ho" and steps[2]["note"] == "Invoice missing."
    assert steps[3]["note"] == "Invoice seen."
    html = page.content.decode()
    assert "Invoice missing." in html and "officer-ho" in html

    member = Client()
    member.force_login(filer)
    mine = member.get(reverse("customs-declaration", args=[declaration.pk]))
    assert [step["label"] for step in mine.context["history"]][-2:] == ["Held", "Released"]


def test_the_versions_of_the_rule_set_read_in_the_readers_language():
    from customs import services
    from customs.models import RiskRule

    customs = officer()
    rule = RiskRule.objects.get(priority=40)
    rule.lane = "yellow"
    services.risk_rule_save(instance=rule, actor=customs)
    staff = Client()
    staff.force_login(customs)
    english = staff.get(reverse("staff-customs-rules")).content.decode()
    assert "Rule 40 changed" in english and "Default rule set" in english
    with translation.override("zh-hans"):
        chinese = staff.get(reverse("staff-customs-rules"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已修改规则 40" in chinese and "默认规则集" in chinese
