"""The browser pages of customs declarations, walked through their forms as a declarant's filer
and a customs officer would: a draft with its items, its check against the risk rules, its filing,
the officers' queue, export and decisions, the bonded stock it moves, and the risk-rule editor
with its what-if — each step posting the page's form and leading to a page that says what
happened."""

import csv
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from customs.models import Declaration, HsCode, RiskRule, RuleSetVersion, StockBalance
from hetao.roles import AUDITOR
from tests.factories import MembershipFactory, StaffUserFactory
from tests.zone.whitelist_helpers import make_institution, make_member
from zone.models import Membership

from .declaration_helpers import checkpoint, declarant, draft, filed, item, officer, released

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def followed(client, response):
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page, page.content.decode()


def _row_counts() -> dict[str, int]:
    """Rows of every table but the sessions (signing in writes one)."""
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.managed and not model._meta.proxy and table not in counts and table != "django_session":
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    return counts


ITEM_NAMES = ("hs_code", "description", "quantity", "unit", "value", "currency", "origin", "category")


def declaration_form(institution, items, *, extra=1, initial=0, code="HT-FL-CARGO", **changes) -> dict:
    """The new-declaration page's form as a browser posts it: the header, the items and `extra`
    rows left blank."""
    form = {
        "institution": institution.pk,
        "reference": "",
        "line": "first",
        "direction": "into_park",
        "checkpoint": checkpoint(code).pk,
        "planned_date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "transport_mode": "vehicle",
        "carrier": "",
        "period_start": "",
        "period_end": "",
        "items-TOTAL_FORMS": len(items) + extra,
        "items-INITIAL_FORMS": initial,
        "items-MIN_NUM_FORMS": 0,
        "items-MAX_NUM_FORMS": 200,
    }
    for index, values in enumerate(items):
        for name, value in values.items():
            form[f"items-{index}-{name}"] = str(value)
    for index in range(len(items), len(items) + extra):
        for name in (*ITEM_NAMES, "permit_reference"):
            form[f"items-{index}-{name}"] = ""
    form.update(changes)
    return form


def test_a_filer_declares_two_items_and_an_officer_inspects_holds_and_releases_through_the_pages():
    institution, filer, _reviewer = declarant()
    member = signed_in(filer)

    listing = member.get(reverse("customs-declarations"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert reverse("customs-declaration-new") in html
    assert "Your institutions have no customs declarations yet." in html
    assert member.get(reverse("customs-declaration-new")).status_code == 200

    items = [item(), item(hs_code="8471.30", description="Portable computers", quantity="6", category="general")]

    # A bad HS code comes back next to its field — the second item sent, in the third row after a
    # blank one — with the other values kept, and nothing is saved.
    blank = dict.fromkeys((*ITEM_NAMES, "permit_reference"), "")
    bad = member.post(
        reverse("customs-declaration-new"),
        declaration_form(institution, [items[0], blank, {**items[1], "hs_code": "1234"}]),
    )
    assert bad.status_code == 200
    formset = bad.context["formset"]
    assert "has 6, 8 or 10 digits" in " ".join(formset.forms[2].errors["hs_code"])
    assert not formset.forms[0].errors and not formset.forms[1].errors
    assert "Portable computers" in bad.content.decode()
    assert not Declaration.objects.exists()

    # The check says what the rules would decide and writes nothing.
    before = _row_counts()
    precheck = member.post(
        reverse("customs-declaration-new"), {**declaration_form(institution, items), "precheck": "1"}
    )
    assert precheck.status_code == 200
    html = precheck.content.decode()
    assert "What the risk rules would decide" in html
    assert "Filing only" in html
    assert RiskRule.objects.get(priority=40).name_en in html
    assert _row_counts() == before

    # More blank rows without JavaScript: the items typed so far stay, nothing is saved.
    more = member.post(reverse("customs-declaration-new"), {**declaration_form(institution, items), "add_rows": "1"})
    assert more.status_code == 200
    assert len(more.context["formset"].forms) == len(items) + 3
    assert "Portable computers" in more.content.decode()
    assert not Declaration.objects.exists()

    # Saved: two items, the blank row ignored.
    page, html = followed(member, member.post(reverse("customs-declaration-new"), declaration_form(institution, items)))
    declaration = Declaration.objects.get()
    assert declaration.status == "draft" and declaration.institution == institution
    assert [i.hs_code for i in declaration.items.order_by("position")] == ["902720", "847130"]
    assert page.context["declaration"] == declaration
    assert "The draft is saved" in html
    assert HsCode.objects.get(code="902720").description in html  # the subheading beside its code
    assert reverse("customs-declaration-file", args=[declaration.pk]) in html
    assert reverse("customs-declaration-edit", args=[declaration.pk]) in html

    # Edited: the reference and the second item's quantity; the blank rows are ignored again.
    edit = member.get(reverse("customs-declaration-edit", args=[declaration.pk]))
    assert edit.status_code == 200
    assert len(edit.context["formset"].forms) == 2 + 3
    changed = declaration_form(
        institution, [items[0], {**items[1], "quantity": "8"}], initial=2, extra=3, reference="PO-2041"
    )
    changed.pop("institution")
    _page, html = followed(member, member.post(reverse("customs-declaration-edit", args=[declaration.pk]), changed))
    declaration.refresh_from_db()
    assert declaration.reference == "PO-2041"
    assert [str(i.quantity) for i in declaration.items.order_by("position")] == ["2.000", "8.000"]
    assert "Your changes are saved." in html

    # Filed: the rules decide and the page says so.
    _page, html = followed(member, member.post(reverse("customs-declaration-file", args=[declaration.pk])))
    declaration.refresh_from_db()
    assert declaration.status == "filed" and declaration.number
    assert f"The declaration is filed as {declaration.number}" in html
    assert RiskRule.objects.get(priority=40).name_en in html
    assert reverse("customs-declaration-edit", args=[declaration.pk]) not in html

    # The officers' queue lists it, and its export contains it.
    customs = signed_in(officer())
    queue = customs.get(reverse("staff-customs-declarations"))
    assert queue.status_code == 200
    assert declaration.number in queue.content.decode()
    export = customs.get(reverse("staff-customs-declarations-export", args=["csv"]))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert rows[0][1] == "Declaration number"
    assert any(row[1] == declaration.number and row[4] == "PO-2041" for row in rows[1:])
    workbook = customs.get(reverse("staff-customs-declarations-export", args=["xlsx"]))
    assert workbook.status_code == 200 and workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert customs.get(reverse("staff-customs-declarations-export", args=["pdf"])).status_code == 404
    # Filtered by another lane the queue and its export leave it out.
    other_lane = "red" if declaration.lane != "red" else "green"
    assert (
        declaration.number
        not in customs.get(reverse("staff-customs-declarations"), {"lane": other_lane}).content.decode()
    )

    detail = customs.get(reverse("staff-customs-declaration", args=[declaration.pk]))
    assert detail.status_code == 200 and detail.context["declaration"] == declaration
    assert reverse("staff-customs-declaration-inspect", args=[declaration.pk]) in detail.content.decode()

    _page, html = followed(
        customs,
        customs.post(
            reverse("staff-customs-declaration-inspect", args=[declaration.pk]), {"findings": "Seals intact."}
        ),
    )
    declaration.refresh_from_db()
    assert declaration.status == "under_inspection"
    assert "Seals intact." in html

    # A hold needs its reason: without one the page answers with the error and nothing changes.
    missing = customs.post(reverse("staff-customs-declaration-hold", args=[declaration.pk]), {"reason": ""})
    assert missing.status_code == 200
    assert missing.context["hold_form"].errors["reason"]
    declaration.refresh_from_db()
    assert declaration.status == "under_inspection"

    _page, html = followed(
        customs, customs.post(reverse("staff-customs-declaration-release", args=[declaration.pk]), {"note": "OK."})
    )
    declaration.refresh_from_db()
    assert declaration.status == "released"
    assert "The goods are released" in html
    # A stale page: releasing again says why, and changes nothing.
    _page, html = followed(customs, customs.post(reverse("staff-customs-declaration-release", args=[declaration.pk])))
    assert "You cannot release a declaration that is released." in html

    # The declarant reads the outcome, and its stock holds the goods.
    mine = member.get(reverse("customs-declaration", args=[declaration.pk]))
    assert mine.status_code == 200 and "Released" in mine.content.decode()
    stock = member.get(reverse("customs-stock"))
    assert stock.status_code == 200
    balance = StockBalance.objects.get(institution=institution, subheading_id="902720")
    html = stock.content.decode()
    assert "902720" in html and reverse("customs-stock-balance", args=[balance.pk]) in html
    movements = member.get(reverse("customs-stock-balance", args=[balance.pk]))
    assert movements.status_code == 200 and declaration.number in movements.content.decode()

    staff_stock = customs.get(reverse("staff-customs-stock"), {"hs": "9027"})
    assert staff_stock.status_code == 200 and institution.name in staff_stock.content.decode()
    assert customs.get(reverse("staff-customs-stock"), {"hs": "x" * 50}).status_code == 200
    assert customs.get(reverse("staff-customs-stock-balance", args=[balance.pk])).status_code == 200


def test_filing_refused_by_the_rules_or_short_of_stock_is_said_and_the_draft_stays():
    institution, filer, _reviewer = declarant()
    member = signed_in(filer)
    refused = draft(institution, filer, items=[item(category="hazardous_chemical", hs_code="382219")])
    _page, html = followed(member, member.post(reverse("customs-declaration-file", args=[refused.pk])))
    assert "The declaration stays a draft." in html and "cross only with a permit" in html
    refused.refresh_from_db()
    assert refused.status == "draft" and refused.number is None

    short = draft(institution, filer, code="HT-SL-01", direction="out_of_park", items=[item(quantity="3")])
    detail = member.get(reverse("customs-declaration", args=[short.pk]))
    assert "holds 0 pcs; the declaration takes 3 pcs" in detail.content.decode()
    _page, html = followed(member, member.post(reverse("customs-declaration-file", args=[short.pk])))
    assert "holds 0 pcs; the declaration takes 3 pcs" in html
    short.refresh_from_db()
    assert short.status == "draft"

    # The pre-check puts the service's problems next to their fields: here the carrier hand-carried goods need.
    body = declaration_form(institution, [item()], transport_mode="hand_carry", precheck="1")
    answer = member.post(reverse("customs-declaration-new"), body)
    assert answer.status_code == 200
    assert answer.context["form"].errors["carrier"]


def test_others_read_or_see_nothing_and_an_officer_of_the_declarant_cannot_decide():
    institution, filer, _reviewer = declarant()
    declaration = draft(institution, filer)

    # A viewer of the declarant reads the draft but gets no button to file or change it.
    viewer = signed_in(make_member(institution, Membership.Role.VIEWER))
    page = viewer.get(reverse("customs-declaration", args=[declaration.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("customs-declaration-file", args=[declaration.pk]) not in html
    assert reverse("customs-declaration-edit", args=[declaration.pk]) not in html
    assert viewer.post(reverse("customs-declaration-file", args=[declaration.pk])).status_code == 403
    assert viewer.get(reverse("customs-declaration-edit", args=[declaration.pk])).status_code == 403
    assert viewer.get(reverse("customs-declaration-new")).status_code == 403
    assert reverse("customs-declaration-new") not in viewer.get(reverse("customs-declarations")).content.decode()

    # Another institution's member does not see it at all.
    outsider = signed_in(make_member(make_institution(), Membership.Role.OWNER))
    assert outsider.get(reverse("customs-declaration", args=[declaration.pk])).status_code == 404
    assert outsider.get(reverse("customs-declaration-edit", args=[declaration.pk])).status_code == 404
    assert outsider.post(reverse("customs-declaration-file", args=[declaration.pk])).status_code == 404
    assert (
        declaration.number is None
        or declaration.number not in outsider.get(reverse("customs-declarations")).content.decode()
    )
    assert outsider.get(reverse("staff-customs-declarations")).status_code == 403

    # A customs officer who is a member of the declarant reads it and is told why they cannot decide it.
    waiting = filed(institution, filer)
    insider = officer()
    MembershipFactory(user=insider, institution=institution, role=Membership.Role.VIEWER)
    staff = signed_in(insider)
    page = staff.get(reverse("staff-customs-declaration", args=[waiting.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "A member of the declarant institution cannot inspect or decide its declaration." in html
    assert reverse("staff-customs-declaration-release", args=[waiting.pk]) not in html
    assert staff.post(reverse("staff-customs-declaration-release", args=[waiting.pk])).status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == "filed"


def rule_form(rule: RiskRule, **changes) -> dict:
    """The rule editor's form as a browser posts it for `rule`, with `changes`."""
    values = {
        name: getattr(rule, name)
        for name in (
            "priority",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "lines",
            "directions",
            "transport_modes",
            "scopes_all",
            "scopes_missing",
            "checkpoint_hand_carry",
            "designated_carrier",
            "categories",
            "categories_excluded",
            "hs_prefixes",
            "origins",
            "currencies",
            "min_value",
            "max_value",
            "permit",
            "regime",
            "lane",
            "permit_required",
            "refuse",
            "active",
        )
    }
    values.update(changes)
    form = {}
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                form[name] = "on"
        elif name in ("hs_prefixes", "origins"):
            form[name] = ",".join(value)
        elif value is None:
            form[name] = ""
        else:
            form[name] = value
    return form


def test_officers_keep_the_risk_rules_and_try_a_change_before_saving_it():
    institution, filer, _reviewer = declarant()
    declaration = filed(institution, filer)
    customs = signed_in(officer())
    version = RuleSetVersion.objects.order_by("-number").first()
    rule = RiskRule.objects.get(priority=40)

    listing = customs.get(reverse("staff-customs-rules"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert f"version {version.number}" in html
    assert "Line: First line (Hong Kong ↔ park)" in html  # the conditions in words
    assert "Regime: Filing only" in html
    assert reverse("staff-customs-rule-edit", args=[rule.pk]) in html

    edit_url = reverse("staff-customs-rule-edit", args=[rule.pk])
    assert customs.get(edit_url).status_code == 200
    today = timezone.localdate()
    period = {"whatif-start": (today - timedelta(days=30)).isoformat(), "whatif-end": today.isoformat()}

    # What if the whitelisted first line went to the red lane? Shown, and nothing is written.
    before = _row_counts()
    trial = customs.post(edit_url, {**rule_form(rule, lane="red"), **period, "what_if": "1"})
    assert trial.status_code == 200
    result = trial.context["result"]
    assert result["declarations"] == 1 and result["changed"] == 1
    assert declaration.number in trial.content.decode()
    assert "→ Red: 1" in trial.content.decode()
    assert _row_counts() == before
    rule.refresh_from_db()
    assert rule.lane == "green"

    # A period that ends before it starts is refused next to its field.
    backwards = {"whatif-start": today.isoformat(), "whatif-end": (today - timedelta(days=2)).isoformat()}
    refused = customs.post(edit_url, {**rule_form(rule, lane="red"), **backwards, "what_if": "1"})
    assert refused.status_code == 200 and refused.context["period_form"].errors["end"]

    # Saved: the rule set gets a new version.
    _page, html = followed(customs, customs.post(edit_url, {**rule_form(rule, lane="yellow"), **period}))
    rule.refresh_from_db()
    assert rule.lane == "yellow"
    assert RuleSetVersion.objects.order_by("-number").first().number == version.number + 1
    assert "the rule set has a new version" in html

    # A rule without an outcome is refused next to its field; one with an outcome is added.
    new_url = reverse("staff-customs-rule-new")
    assert customs.get(new_url).status_code == 200
    nothing = customs.post(new_url, {**rule_form(RiskRule(priority=5, name_en="Gold"), lane=""), **period})
    assert nothing.status_code == 200 and nothing.context["form"].errors["regime"]
    gold = rule_form(RiskRule(priority=5, name_en="Gold is inspected."), hs_prefixes=["7108"], lane="red")
    followed(customs, customs.post(new_url, {**gold, **period}))
    added = RiskRule.objects.get(name_en="Gold is inspected.")
    assert added.hs_prefixes == ["7108"] and added.lane == "red"

    # Deactivated: a new version again.
    followed(customs, customs.post(reverse("staff-customs-rule-active", args=[added.pk]), {"active": "0"}))
    added.refresh_from_db()
    assert not added.active
    assert RuleSetVersion.objects.order_by("-number").first().number == version.number + 3

    # An auditor reads the rules but may not change them; an institution's member may not open them.
    auditor = signed_in(StaffUserFactory(role=AUDITOR))
    page = auditor.get(reverse("staff-customs-rules"))
    assert page.status_code == 200 and edit_url not in page.content.decode()
    assert auditor.get(edit_url).status_code == 403
    assert auditor.post(reverse("staff-customs-rule-active", args=[rule.pk]), {"active": "0"}).status_code == 403
    assert signed_in(filer).get(reverse("staff-customs-rules")).status_code == 403


def test_the_officers_dashboard_tile_and_the_navigation_lead_to_the_pages():
    institution, filer, _reviewer = declarant()
    customs_user = officer()
    filed(institution, filer)
    released(institution, filer, customs_user)
    home = signed_in(customs_user).get("/")
    assert home.status_code == 200
    html = home.content.decode()
    assert "Declarations to decide" in html
    assert "2 filed today. Waiting:" in html
    for name in ("staff-customs-declarations", "staff-customs-rules", "staff-customs-stock"):
        assert reverse(name) in html
    member_home = signed_in(filer).get("/")
    for name in ("customs-declarations", "customs-stock"):
        assert reverse(name) in member_home.content.decode()
    # Zone staff who read declarations are led from the institution pages to theirs.
    assert signed_in(customs_user).get(reverse("customs-declarations"))["Location"] == reverse(
        "staff-customs-declarations"
    )


def test_a_filer_of_two_institutions_moves_goods_inside_the_park_and_the_receiver_reads_it():
    institution, filer, _reviewer = declarant()
    receiver, _receiver_filer, _other_reviewer = declarant()
    MembershipFactory(user=filer, institution=receiver, role=Membership.Role.FILER)
    released(institution, filer, officer(), items=[item(quantity="4")])
    member = signed_in(filer)

    new = member.get(reverse("customs-declaration-new"), {"institution": institution.pk})
    assert new.status_code == 200
    form = new.context["form"]
    assert form.single_institution is None and form.initial["institution"] == institution.pk
    assert receiver in form.fields["receiving_institution"].queryset

    body = declaration_form(
        institution,
        [item(quantity="1.5")],
        code="HT-IN-01",
        line="internal",
        receiving_institution=receiver.pk,
    )
    # Naming the declarant itself as the receiver is refused next to the field.
    itself = member.post(reverse("customs-declaration-new"), {**body, "receiving_institution": institution.pk})
    assert itself.status_code == 200 and itself.context["form"].errors["receiving_institution"]
    followed(member, member.post(reverse("customs-declaration-new"), body))
    movement = Declaration.objects.get(line="internal")
    assert movement.receiving_institution == receiver
    followed(member, member.post(reverse("customs-declaration-file", args=[movement.pk])))
    movement.refresh_from_db()
    assert movement.status == "filed" and movement.regime == "free_movement"

    # The receiver's members read it, without the declarant's buttons.
    receiving = signed_in(make_member(receiver, Membership.Role.VIEWER))
    assert movement.number in receiving.get(reverse("customs-declarations")).content.decode()
    page = receiving.get(reverse("customs-declaration", args=[movement.pk]))
    assert page.status_code == 200
    assert reverse("customs-declaration-cancel", args=[movement.pk]) not in page.content.decode()
    assert receiving.post(reverse("customs-declaration-cancel", args=[movement.pk])).status_code == 403
