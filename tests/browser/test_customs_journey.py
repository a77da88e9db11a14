"""A declaration in a real browser, clicking like the people who do it: a filer declares two
instruments, asks what the rules decide, saves and files; a customs officer finds it in the
queue and releases it; at the gate the officer types the release slip and the goods cross; the
filer sees the stock they brought in."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from customs.models import Declaration, GatePassage, StockBalance
from tests.customs.declaration_helpers import checkpoint, declarant, officer
from tests.factories import PASSWORD

from .pages import field, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_item(page: Page, position: int, *, hs: str, description: str, quantity: str, value: str) -> None:
    item = page.locator("fieldset.customs-item").nth(position - 1)
    expect(item.locator("legend")).to_have_text(f"Item {position}")
    item.get_by_label(re.compile(r"^HS code")).fill(hs)
    item.get_by_label(re.compile(r"^Description of the goods")).fill(description)
    item.get_by_label(re.compile(r"^Quantity")).fill(quantity)
    item.get_by_label(re.compile(r"^Unit")).select_option("pcs")
    item.get_by_label(re.compile(r"^Value")).fill(value)
    item.get_by_label(re.compile(r"^Currency")).select_option("HKD")
    item.get_by_label(re.compile(r"^Country of origin")).select_option("DE")
    item.get_by_label(re.compile(r"^Category")).select_option("instrument")


def test_a_filer_declares_an_officer_releases_and_the_goods_cross_the_gate(person):
    institution, filer, _reviewer = declarant()
    customs = officer(username="officer-chan")
    cargo = checkpoint("HT-FL-CARGO")
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()

    page = person()
    page.goto("/accounts/login/?next=/customs/declarations/")
    sign_in(page, filer.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/customs/declarations/$"))
    page.get_by_role("link", name="New declaration").first.click()
    expect(page.get_by_role("heading", name="New declaration")).to_be_visible()
    field(page, "Your reference (optional)").fill("PO-2026-118")
    field(page, "Line").select_option("first")
    field(page, "Direction").select_option("into_park")
    field(page, "Checkpoint").select_option(str(cargo.pk))
    field(page, "Planned date").fill(tomorrow)
    field(page, "Transport mode").select_option("vehicle")
    fill_item(page, 1, hs="9027.20", description="Gas chromatograph", quantity="2", value="150000")
    fill_item(page, 2, hs="８４７１３０", description="Portable computers", quantity="3", value="24000")

    # Ask the rules first: the answer is shown and nothing is saved.
    page.get_by_role("button", name="Check what the rules decide").click()
    expect(page.get_by_text("Filing only").first).to_be_visible()
    assert not Declaration.objects.exists()

    page.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(re.compile(r"/customs/declarations/\d+/$"))
    declaration = Declaration.objects.get()
    assert [item.hs_code for item in declaration.items.order_by("position")] == ["902720", "847130"]
    page.get_by_role("button", name="File the declaration").click()
    expect(page.locator("h1")).to_contain_text(re.compile(r"HTCD-\d{4}-\d{7}"))
    declaration.refresh_from_db()
    assert declaration.status == "filed"

    desk = person()
    desk.goto("/accounts/login/?next=/staff/customs/")
    sign_in(desk, customs.username, PASSWORD)
    desk.get_by_role("link", name=declaration.number).click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(declaration.number)
    desk.get_by_role("button", name="Release the goods").click()
    expect(desk.get_by_text("Released").first).to_be_visible()
    declaration.refresh_from_db()
    assert declaration.status == "released" and declaration.slip_number

    desk.goto("/staff/customs/gate/")
    field(desk, "Checkpoint").select_option(str(cargo.pk))
    field(desk, "Release slip").fill(declaration.slip_number)
    field(desk, "Release slip").press("Enter")
    expect(desk.get_by_role("heading", name="PASSED")).to_be_visible()
    assert GatePassage.objects.filter(declaration=declaration).count() == 1

    page.goto("/customs/stock/")
    expect(page.get_by_text("902720").first).to_be_visible()
    assert StockBalance.objects.get(institution=institution, subheading_id="902720").quantity == 2
