"""Customs declarations: HS codes as declarants type them, filing under the risk rules with the
explanation and the rule-set version kept, the officers' steps by the right role from the right
state, the pre-check and the what-if that write nothing, and bonded stock that never goes
negative — also when twenty releases race for it."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone, translation

from customs import services
from customs.hs import clean_hs_code
from customs.models import Declaration, RiskRule, RuleSetVersion, StockBalance, StockMovement
from hetao.errors import InvalidTransition, NotAllowed
from hetao.principal import Principal
from tests.factories import MembershipFactory
from tests.zone.people_helpers import approved_person
from tests.zone.whitelist_helpers import make_institution, make_member
from zone.models import Membership

from .declaration_helpers import checkpoint, declarant, draft, filed, header, item, officer, released

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# -- HS codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("902720", "902720"),
        ("9027.20", "902720"),
        ("9027 20 10", "90272010"),
        ("9027.20.10.90", "9027201090"),
        ("９０２７２０", "902720"),  # full-width digits
        ("９０２７．２０", "902720"),
        (" 847130 ", "847130"),
    ],
)
def test_hs_codes_are_normalised_and_checked_against_the_nomenclature(typed, code):
    cleaned, description = clean_hs_code(typed)
    assert cleaned == code
    assert description  # the subheading's text, shown beside the code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an HS code."),
        ("9027", "An HS code has 6, 8 or 10 digits; “9027” has 4."),
        ("9027201", "An HS code has 6, 8 or 10 digits; “9027201” has 7."),
        ("90272a", "An HS code has digits only"),
        ("902799", "“902799” is not a subheading of the HS 2022 nomenclature."),
        ("99999999", "“999999” is not a subheading of the HS 2022 nomenclature."),  # chapter 99 is statistical
        ("٩٠٢٧٢٠", "An HS code has digits only"),  # digits of other scripts are not HS digits
    ],
)
def test_bad_hs_codes_are_refused_with_a_clear_message(typed, message):
    with pytest.raises(ValidationError) as caught:
        clean_hs_code(typed)
    assert message in caught.value.messages[0]


def test_every_problem_of_a_draft_is_named_on_its_field():
    institution, filer, _reviewer = declarant()
    with pytest.raises(ValidationError) as caught:
        services.declaration_create(
            institution=institution,
            actor=filer,
            items=[item(hs_code="1234", quantity="-1", unit="barrel", currency="EUR", origin="XX", category="gold")],
            **header(transport_mode="hand_carry"),
        )
    errors = caught.value.message_dict
    for name in ("hs_code", "quantity", "unit", "currency", "origin", "category"):
        assert f"items.1.{name}" in errors, errors
    assert "carrier" in errors
    assert not Declaration.objects.exists()


# -- filing under the rules ------------------------------------------------------------------------


def test_filing_decides_regime_and_lane_and_keeps_the_rules_that_fired_and_the_version():
    institution, filer, _reviewer = declarant()
    declaration = filed(institution, filer)
    assert declaration.status == "filed"
    assert declaration.number.startswith(f"HTCD-{timezone.localdate().year}-") and len(declaration.number) == 17
    assert (declaration.regime, declaration.lane) in {("filing_only", "green"), ("filing_only", "yellow")}
    rule = RiskRule.objects.get(priority=40)
    assert declaration.explanation[0]["rule"] == rule.pk
    assert declaration.explanation[0]["reason"]["en"] == rule.name_en
    assert declaration.rule_set_version == RuleSetVersion.objects.order_by("-number").first()


def test_a_declarant_not_whitelisted_on_the_planned_date_files_the_standard_way():
    institution, filer, _reviewer = declarant(scopes=("personnel",))
    declaration = filed(institution, filer)
    assert (declaration.regime, declaration.lane) == ("standard_declaration", "yellow")


def test_a_refused_declaration_stays_a_draft_with_the_reason_and_uses_no_number():
    institution, filer, _reviewer = declarant()
    refused = draft(institution, filer, items=[item(category="hazardous_chemical", hs_code="382219")])
    with pytest.raises(ValidationError) as caught:
        services.declaration_file(declaration_id=refused.pk, actor=filer)
    assert "cross only with a permit" in " ".join(caught.value.messages)
    refused.refresh_from_db()
    assert refused.status == "draft" and refused.number is None
    following = filed(institution, filer)
    assert following.number.endswith("-0000001")


def test_hand_carry_by_a_designated_carrier_at_the_no1_channel_is_filed():
    institution, filer, reviewer = declarant(scopes=("goods", "personnel"))
    carrier = approved_person(institution, filer, reviewer, designated_carrier=True)
    other = approved_person(institution, filer, reviewer, designated_carrier=False)
    items = [item(category="sample", hs_code="300212", unit="ml", quantity="50", description="Serum samples")]
    ok = filed(institution, filer, code="HT-NO1", transport_mode="hand_carry", carrier=carrier, items=items)
    assert ok.status == "filed"
    refused = draft(institution, filer, code="HT-NO1", transport_mode="hand_carry", carrier=other, items=items)
    with pytest.raises(ValidationError, match="Only a designated carrier"):
        services.declaration_file(declaration_id=refused.pk, actor=filer)
    # A person of another institution is no carrier of this one's goods.
    stranger_institution, stranger_filer, stranger_reviewer = declarant(scopes=("goods", "personnel"))
    stranger = approved_person(stranger_institution, stranger_filer, stranger_reviewer, designated_carrier=True)
    with pytest.raises(ValidationError) as caught:
        draft(institution, filer, code="HT-NO1", transport_mode="hand_carry", carrier=stranger, items=items)
    assert "carrier" in caught.value.message_dict


# -- who does what, from which state -----------------------------------------------------------------


def test_every_step_by_the_wrong_role_or_from_the_wrong_state_is_refused():
    institution, filer, _reviewer = declarant()
    customs = officer()
    viewer = make_member(institution, Membership.Role.VIEWER)
    declaration = draft(institution, filer)

    with pytest.raises(NotAllowed):
        services.declaration_file(declaration_id=declaration.pk, actor=viewer)
    with pytest.raises(NotAllowed):
        services.declaration_file(declaration_id=declaration.pk, actor=customs)
    with pytest.raises(InvalidTransition):
        services.declaration_release(declaration_id=declaration.pk, actor=customs)
    services.declaration_file(declaration_id=declaration.pk, actor=filer)
    with pytest.raises(InvalidTransition):
        services.declaration_file(declaration_id=declaration.pk, actor=filer)
    with pytest.raises(NotAllowed):
        services.declaration_release(declaration_id=declaration.pk, actor=filer)
    with pytest.raises(ValidationError):
        services.declaration_hold(declaration_id=declaration.pk, actor=customs, reason="")
    services.declaration_hold(declaration_id=declaration.pk, actor=customs, reason="Papers missing.")
    with pytest.raises(InvalidTransition):
        services.declaration_inspect(declaration_id=declaration.pk, actor=customs)
    services.declaration_release(declaration_id=declaration.pk, actor=customs)
    with pytest.raises(InvalidTransition):
        services.declaration_cancel(declaration_id=declaration.pk, actor=filer)
    with pytest.raises(InvalidTransition):
        services.declaration_reject(declaration_id=declaration.pk, actor=customs, reason="Late.")
    declaration.refresh_from_db()
    assert declaration.status == "released"

    # An officer who is a member of the declarant does not decide its declarations.
    insider = officer()
    MembershipFactory(user=insider, institution=institution, role=Membership.Role.VIEWER)
    other = filed(institution, filer)
    with pytest.raises(NotAllowed, match="member of the declarant"):
        services.declaration_inspect(declaration_id=other.pk, actor=insider)
    services.declaration_cancel(declaration_id=other.pk, actor=filer)
    other.refresh_from_db()
    assert other.status == "cancelled"


# -- pre-check and what-if write nothing ---------------------------------------------------------


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.managed and not model._meta.proxy and table not in counts:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
    return counts


def test_the_precheck_answers_the_decision_and_writes_nothing():
    institution, _filer, _reviewer = declarant()
    values = header()
    before = _row_counts()
    answer = services.declaration_precheck(
        institution=institution, items=[item(category="dual_use", hs_code="847130")], **values
    )
    assert answer["refused"] is True and answer["errors"] == {}
    assert any("cross only with a permit" in fired["reason"] for fired in answer["rules_fired"])
    fine = services.declaration_precheck(institution=institution, items=[item()], **values)
    assert (fine["regime"], fine["lane"], fine["refused"]) == ("filing_only", "green", False)
    bad = services.declaration_precheck(institution=institution, items=[item(hs_code="12")], **values)
    assert "items.1.hs_code" in bad["errors"] and bad["regime"] is None
    assert _row_counts() == before


def test_changing_a_rule_versions_the_set_and_the_what_if_shows_the_effect_without_writing():
    institution, filer, _reviewer = declarant()
    customs = officer()
    first = [filed(institution, filer) for _ in range(3)]
    version = RuleSetVersion.objects.order_by("-number").first()

    # What if the whitelisted first line went to the yellow lane?
    edited = list(RiskRule.objects.filter(active=True))
    rule = next(rule for rule in edited if rule.priority == 40)
    rule.lane = "yellow"
    before = _row_counts()
    today = timezone.localdate()
    result = services.what_if(rules=edited, start=today - timedelta(days=1), end=today)
    assert _row_counts() == before
    green = [d for d in first if d.lane == "green"]
    assert result["declarations"] == 3
    assert result["moves"].get("green→yellow", 0) == len(green)
    assert result["changed"] == len(green)

    services.risk_rule_save(instance=rule, actor=customs)
    assert RuleSetVersion.objects.order_by("-number").first().number == version.number + 1
    later = filed(institution, filer)
    assert later.lane == "yellow" and later.rule_set_version.number == version.number + 1
    assert first[0].rule_set_version == version  # earlier declarations keep the version they were decided by

    with pytest.raises(NotAllowed):
        services.risk_rule_save(instance=rule, actor=filer)
    with pytest.raises(ValidationError):
        services.risk_rule_save(instance=RiskRule(priority=5, name_en="Nothing"), actor=customs)


# -- bonded stock --------------------------------------------------------------------------------


def balance(institution, subheading="902720", unit="pcs") -> Decimal:
    found = StockBalance.objects.filter(institution=institution, subheading_id=subheading, unit=unit).first()
    return found.quantity if found else Decimal("0")


def test_first_line_entry_adds_stock_and_a_second_line_exit_takes_it():
    institution, filer, _reviewer = declarant()
    customs = officer()
    released(institution, filer, customs, items=[item(quantity="5")])
    assert balance(institution) == 5
    released(institution, filer, customs, code="HT-SL-01", direction="out_of_park", items=[item(quantity="3")])
    assert balance(institution) == 2
    movements = list(StockMovement.objects.filter(institution=institution).order_by("pk"))
    assert [(m.kind, m.quantity, m.balance_after) for m in movements] == [
        ("entry", Decimal("5.000"), Decimal("5.000")),
        ("exit", Decimal("-3.000"), Decimal("2.000")),
    ]
    # Goods from the mainland are not bonded: no stock change.
    released(institution, filer, customs, code="HT-SL-01", direction="into_park", items=[item(quantity="9")])
    assert balance(institution) == 2


def test_an_exit_beyond_the_stock_is_refused_with_a_message():
    institution, filer, _reviewer = declarant()
    customs = officer()
    released(institution, filer, customs, items=[item(quantity="2")])
    too_much = draft(institution, filer, code="HT-SL-01", direction="out_of_park", items=[item(quantity="3")])
    with pytest.raises(ValidationError) as caught:
        services.declaration_file(declaration_id=too_much.pk, actor=filer)
    assert "holds 2 pcs; the declaration takes 3 pcs" in " ".join(caught.value.messages)
    too_much.refresh_from_db()
    assert too_much.status == "draft"


def test_an_internal_transfer_moves_stock_between_institutions():
    institution, filer, _reviewer = declarant()
    receiver = make_institution()
    customs = officer()
    released(institution, filer, customs, items=[item(quantity="4")])
    released(
        institution, filer, customs, code="HT-IN-01", direction="into_park", receiving_institution=receiver,
        items=[item(quantity="1.5")],
    )  # fmt: skip
    assert balance(institution) == Decimal("2.5")
    assert balance(receiver) == Decimal("1.5")
    # The receiver's members see the movement; a third institution's do not.
    receiving_member = make_member(receiver, Membership.Role.VIEWER)
    outsider = make_member(make_institution(), Membership.Role.VIEWER)
    assert Declaration.objects.visible_to(Principal(user=receiving_member)).count() == 1
    assert Declaration.objects.visible_to(Principal(user=outsider)).count() == 0


def test_the_database_refuses_a_negative_balance_whatever_writes_it():
    institution, filer, _reviewer = declarant()
    released(institution, filer, officer(), items=[item(quantity="1")])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {StockBalance._meta.db_table} SET quantity = quantity - 2")
    assert balance(institution) == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_exits_never_overdraw_the_stock():
    institution, filer, _reviewer = declarant()
    customs = officer()
    released(institution, filer, customs, items=[item(quantity="10")])
    exits = [
        filed(institution, filer, code="HT-SL-01", direction="out_of_park", items=[item(quantity="1")])
        for _ in range(10)
    ]
    # Ten more, filed while the stock still held enough for each alone.
    exits += [
        filed(institution, filer, code="HT-SL-01", direction="out_of_park", items=[item(quantity="1")])
        for _ in range(10)
    ]
    barrier = threading.Barrier(len(exits))
    outcomes = []

    def release(declaration_id):
        try:
            barrier.wait()
            services.declaration_release(declaration_id=declaration_id, actor=customs)
            outcomes.append("released")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=release, args=(d.pk,)) for d in exits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("released") == 10, outcomes
    assert all("holds 0 pcs" in outcome for outcome in outcomes if outcome != "released")
    assert balance(institution) == 0
    assert Declaration.objects.filter(status="released", direction="out_of_park").count() == 10
    assert StockMovement.objects.filter(kind="exit").count() == 10


# -- release slips and gate passages --------------------------------------------------------------


def test_a_release_slip_passes_once_only_at_its_checkpoint_and_only_while_valid():
    institution, filer, _reviewer = declarant()
    customs = officer()
    declaration = released(institution, filer, customs)
    assert declaration.slip_number.startswith("HTRS-") and declaration.slip_valid_until >= declaration.planned_date
    assert services.slip_qr_svg(declaration).startswith("data:image/svg+xml")

    with pytest.raises(ValidationError) as elsewhere:
        services.gate_pass(slip_number=declaration.slip_number, checkpoint=checkpoint("HT-NO1"), actor=customs)
    assert "passes only at HT-FL-CARGO" in elsewhere.value.messages[0]
    with pytest.raises(NotAllowed):
        services.gate_pass(slip_number=declaration.slip_number, checkpoint=declaration.checkpoint, actor=filer)

    typed = declaration.slip_number.lower() + " "  # typed by hand
    passage = services.gate_pass(
        slip_number=typed, checkpoint=declaration.checkpoint, actor=customs, vehicle_plate="zb 1234"
    )
    assert passage.vehicle_plate == "ZB 1234" and not passage.partial
    assert [row.quantity for row in passage.items.all()] == [Decimal("2.000")]

    with pytest.raises(ValidationError) as again:
        services.gate_pass(slip_number=declaration.slip_number, checkpoint=declaration.checkpoint, actor=customs)
    first_time = timezone.localtime(passage.passed_at).strftime("%Y-%m-%d %H:%M")
    assert again.value.messages[0] == f"This slip has already passed: at HT-FL-CARGO on {first_time}."

    with pytest.raises(ValidationError, match="No release slip"):
        services.gate_pass(slip_number="HTRS-2026-9999999", checkpoint=declaration.checkpoint, actor=customs)
    expired = released(institution, filer, customs)
    Declaration.objects.filter(pk=expired.pk).update(slip_valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError, match="was valid until"):
        services.gate_pass(slip_number=expired.slip_number, checkpoint=expired.checkpoint, actor=customs)
    assert expired not in services.overdue_releases()  # released today: not overdue yet
    Declaration.objects.filter(pk=expired.pk).update(decided_at=timezone.now() - timedelta(days=10))
    assert expired in services.overdue_releases()


def test_a_consolidated_declaration_passes_in_parts_until_all_has_crossed():
    institution, filer, _reviewer = declarant()
    customs = officer()
    today = timezone.localdate()
    declaration = released(
        institution, filer, customs, consolidated=True, period_start=today, period_end=today + timedelta(days=30),
        items=[item(quantity="10"), item(hs_code="847130", description="Laptops", quantity="4")],
    )  # fmt: skip
    where = declaration.checkpoint
    with pytest.raises(ValidationError) as too_much:
        services.gate_pass(
            slip_number=declaration.slip_number, checkpoint=where, actor=customs, quantities={1: Decimal("11")}
        )
    assert "Item 1 has 10 pcs left to pass." in too_much.value.messages
    first = services.gate_pass(
        slip_number=declaration.slip_number, checkpoint=where, actor=customs, quantities={1: Decimal("6")}
    )
    assert first.partial
    rest = services.gate_pass(slip_number=declaration.slip_number, checkpoint=where, actor=customs)
    assert not rest.partial
    assert {row.item.position: row.quantity for row in rest.items.select_related("item")} == {1: 4, 2: 4}
    with pytest.raises(ValidationError, match="already passed"):
        services.gate_pass(slip_number=declaration.slip_number, checkpoint=where, actor=customs)
