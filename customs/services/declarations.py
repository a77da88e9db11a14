"""Customs declarations: drafts with their items, filing under the risk rules, the officers'
inspection and decision, and cancellation.

At filing the declaration is checked whole (every problem at once, each on its field), the risk
rules (`customs.rules`) decide its regime and lane and the declaration keeps the rules that fired,
their reasons and the rule-set version; a declaration the rules refuse stays a draft and the
filer reads why. Release applies the declaration's stock changes under lock (`stock.apply`).
The pre-check answers what filing would decide, writing nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.i18n import reason_in
from hetao.limits import COMMENT_MAX, NOTE_MAX
from hetao.numbering import next_number
from zone.models import EntryStatus, Institution, PersonStatus, RegisteredPerson, WhitelistEntry
from zone.services import passage_status

from ..models import (
    Checkpoint,
    Declaration,
    DeclarationItem,
)
from ..rules import Facts, Item, evaluate
from ..workflow import CANCEL, DECLARATION, EDIT, FILE, HOLD, INSPECT, REJECT, RELEASE
from . import gates, stock
from .checks import (
    HEADER_FIELDS,
    _check_known,
    _check_planned_date,
    _Problems,
    _text,
    clean_header,
    clean_items,
)
from .rules import current_rules, current_version, selection

NUMBER_SERIES = "HTCD"
NUMBER_WIDTH = 7


def _save_items(declaration: Declaration, items: list[dict]) -> None:
    declaration.items.all().delete()
    DeclarationItem.objects.bulk_create(
        DeclarationItem(
            declaration=declaration,
            position=item["position"],
            hs_code=item["hs_code"],
            subheading_id=item["hs_code"][:6],
            description=item["description"],
            quantity=item["quantity"],
            unit=item["unit"],
            value=item["value"],
            currency=item["currency"],
            origin=item["origin"],
            category=item["category"],
            permit_reference=item["permit_reference"],
        )
        for item in items
    )


def _save(declaration: Declaration, **changes) -> None:
    for name, value in changes.items():
        setattr(declaration, name, value)
    try:
        with transaction.atomic():
            declaration.save()
    except IntegrityError as error:
        if "declaration_reference_unique" in str(error):
            raise ValidationError(
                {"reference": [_("Your institution already has a declaration with this reference.")]}
            ) from None
        raise


@transaction.atomic
def declaration_create(*, institution: Institution, actor, items, **values) -> Declaration:
    """A draft declaration of `institution` with its items, checked whole."""
    _check_known(values)
    draft = Declaration(institution=institution, created_by=actor)
    DECLARATION.take(EDIT, draft, actor)  # the role: an owner or filer of the declarant
    problems = _Problems()
    header = clean_header(values, institution, problems)
    cleaned = clean_items(items, problems)
    problems.raise_any()
    _save(draft, **header)
    _save_items(draft, cleaned)
    return draft


def _locked(declaration_id: int) -> Declaration:
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("institution", "checkpoint", "carrier", "receiving_institution")
        .get(pk=declaration_id)
    )


@transaction.atomic
def declaration_update(*, declaration_id: int, actor, items=None, **values) -> Declaration:
    """Change a draft: the header fields given, and the items when given (they replace the old ones)."""
    _check_known(values)
    declaration = _locked(declaration_id)
    DECLARATION.take(EDIT, declaration, actor)
    current = {name: getattr(declaration, name) for name in HEADER_FIELDS}
    problems = _Problems()
    header = clean_header({**current, **values}, declaration.institution, problems)
    cleaned = clean_items(items, problems) if items is not None else None
    problems.raise_any()
    _save(declaration, **header)
    if cleaned is not None:
        _save_items(declaration, cleaned)
    return declaration


# --- what the rules read ----------------------------------------------------------------------------


def whitelist_scopes_on(institution_id: int, day: date) -> frozenset[str]:
    """The scopes of the institution's whitelist entries active and valid on `day`."""
    scopes = WhitelistEntry.objects.filter(
        institution_id=institution_id, status=EntryStatus.ACTIVE, valid_from__lte=day, valid_until__gte=day
    ).values_list("scopes", flat=True)
    return frozenset(scope for entry in scopes for scope in entry)


def _designated_on(carrier: RegisteredPerson | None, institution_id: int, day: date) -> bool:
    if carrier is None or carrier.institution_id != institution_id or not carrier.designated_carrier:
        return False
    return carrier.status == PersonStatus.APPROVED and passage_status(carrier, day=day)[0]


@dataclass(frozen=True)
class _Header:
    """A declaration's header as the rules read it, for drafts that are not saved (the pre-check)."""

    institution_id: int
    line: str
    direction: str
    transport_mode: str
    checkpoint: Checkpoint | None
    carrier: RegisteredPerson | None
    planned_date: date
    number: str = ""


def facts_of(declaration, items=None, *, scopes=None, designated=None) -> Facts:
    """What the risk rules read of a declaration (saved, or a pre-check's `_Header` and items).
    A batch gives the filer's `scopes` and whether the carrier is `designated`, looked up once
    for the whole file; otherwise they are read here."""
    items = list(items if items is not None else declaration.items.all())
    day = declaration.planned_date or timezone.localdate()
    if scopes is None:
        scopes = whitelist_scopes_on(declaration.institution_id, day)
    if designated is None:
        designated = _designated_on(declaration.carrier, declaration.institution_id, day)

    def value(item, name):
        return item[name] if isinstance(item, dict) else getattr(item, name)

    return Facts(
        line=declaration.line,
        direction=declaration.direction,
        transport_mode=declaration.transport_mode,
        items=tuple(
            Item(
                category=value(item, "category"),
                hs_code=value(item, "hs_code"),
                origin=str(value(item, "origin") or ""),
                value=value(item, "value"),
                currency=value(item, "currency"),
                has_permit=bool(value(item, "permit_reference")),
            )
            for item in items
        ),
        scopes=frozenset(scopes),
        checkpoint_hand_carry=bool(declaration.checkpoint and declaration.checkpoint.hand_carry),
        designated_carrier=designated,
        number=declaration.number or "",
    )


def _refusal(decision) -> ValidationError:
    reasons = [reason_in(item.reason) for item in decision.fired if item.refuse]
    return ValidationError(
        {"__all__": [_("The risk rules refuse this declaration: %(reasons)s") % {"reasons": " ".join(reasons)}]},
        code="refused",
    )


def _exit_problems(declaration, items) -> list[str]:
    return stock.shortages(stock.stock_effect(declaration, items))


@transaction.atomic
def declaration_file(*, declaration_id: int, actor) -> Declaration:
    """File a draft: check it whole, let the risk rules decide its regime and lane and keep why,
    and give it its number. A declaration the rules refuse, or one that takes more stock than its
    declarant holds, stays a draft with the reasons."""
    declaration = _locked(declaration_id)
    target = DECLARATION.take(FILE, declaration, actor)
    items = list(declaration.items.all())
    problems = _Problems()
    clean_header({name: getattr(declaration, name) for name in HEADER_FIELDS}, declaration.institution, problems)
    if not items:
        problems.add("items", _("A declaration has at least one item."))
    _check_planned_date({name: getattr(declaration, name) for name in HEADER_FIELDS}, problems)
    problems.raise_any()
    today = timezone.localdate()
    for message in _exit_problems(declaration, items):
        problems.add("items", message)
    problems.raise_any()
    rules = list(current_rules())
    version = current_version()
    number = next_number(NUMBER_SERIES, today.year, width=NUMBER_WIDTH)
    declaration.number = number
    decision = evaluate(facts_of(declaration, items), rules, selection=selection())
    if decision.refused:
        raise _refusal(decision)  # the transaction is rolled back: the number is not used up
    _save(
        declaration,
        status=target,
        regime=decision.regime,
        lane=decision.lane,
        permit_required=decision.permit_required,
        selected=decision.selected,
        explanation=decision.explanation,
        rule_set_version=version,
        filed_at=timezone.now(),
    )
    return declaration


def declaration_precheck(*, institution: Institution, items, **values) -> dict:
    """What filing a declaration with these values would decide, writing nothing:
    {"regime", "lane", "permit_required", "refused", "rules_fired": [{"rule", "reason"}], "errors"}."""
    unknown = sorted(set(values) - set(HEADER_FIELDS))
    problems = _Problems()
    if unknown:
        problems.add("__all__", _("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
    header = clean_header({name: values.get(name) for name in HEADER_FIELDS}, institution, problems)
    cleaned = clean_items(items, problems)
    _check_planned_date(header, problems)
    answer = {"regime": None, "lane": None, "permit_required": None, "refused": None, "rules_fired": []}
    if problems.errors or not cleaned:
        return {**answer, "errors": problems.errors}
    draft = _Header(
        institution_id=institution.pk,
        line=header["line"],
        direction=header["direction"],
        transport_mode=header["transport_mode"],
        checkpoint=header["checkpoint"],
        carrier=header["carrier"],
        planned_date=header["planned_date"],
    )
    decision = evaluate(facts_of(draft, cleaned), current_rules())
    errors = {}
    probe = Declaration(
        institution=institution,
        line=header["line"],
        direction=header["direction"],
        receiving_institution=header["receiving_institution"],
    )
    short = stock.shortages(stock.stock_effect(probe, [_ItemView(item) for item in cleaned]))
    if short:
        errors["items"] = short
    return {
        "regime": decision.regime,
        "lane": decision.lane,
        "permit_required": decision.permit_required,
        "refused": decision.refused,
        "rules_fired": [{"rule": item.rule, "reason": reason_in(item.reason)} for item in decision.fired],
        "errors": errors,
    }


class _ItemView:
    """A cleaned item as the stock service reads a DeclarationItem."""

    def __init__(self, item: dict):
        self.pk = None
        self.position = item["position"]
        self.hs_code = item["hs_code"]
        self.subheading_id = item["hs_code"][:6]
        self.unit = item["unit"]
        self.quantity = item["quantity"]


# --- the officers' steps -----------------------------------------------------------------------------


def _note(text, *, name: str, required: bool) -> str:
    problems = _Problems()
    note = _text(text, name=name, limit=NOTE_MAX, problems=problems, required=required)
    problems.raise_any()
    return note


@transaction.atomic
def declaration_inspect(*, declaration_id: int, actor, findings: str = "") -> Declaration:
    """An officer takes a filed declaration under inspection."""
    declaration = _locked(declaration_id)
    target = DECLARATION.take(INSPECT, declaration, actor)
    problems = _Problems()
    findings = _text(findings, name="findings", limit=COMMENT_MAX, problems=problems)
    problems.raise_any()
    _save(declaration, status=target, officer=actor, findings=findings)
    return declaration


@transaction.atomic
def declaration_release(*, declaration_id: int, actor, note: str = "") -> Declaration:
    """Release the goods: the declaration's stock changes are recorded under lock and it gets its
    release slip. A release that would take more stock than is held is refused and changes nothing."""
    declaration = _locked(declaration_id)
    target = DECLARATION.take(RELEASE, declaration, actor)
    note = _note(note, name="note", required=False)
    stock.apply(declaration)
    gates.issue_slip(declaration)
    _save(declaration, status=target, decision_note=note, decided_at=timezone.now(), decided_by=actor)
    return declaration


@transaction.atomic
def declaration_hold(*, declaration_id: int, actor, reason: str) -> Declaration:
    """An officer holds the goods for a reason the declarant reads; a held declaration is released or rejected later."""
    declaration = _locked(declaration_id)
    target = DECLARATION.take(HOLD, declaration, actor)
    reason = _note(reason, name="reason", required=True)
    _save(declaration, status=target, decision_note=reason, officer=declaration.officer or actor)
    return declaration


@transaction.atomic
def declaration_reject(*, declaration_id: int, actor, reason: str) -> Declaration:
    """An officer rejects the declaration for a reason the declarant reads; the goods do not cross."""
    declaration = _locked(declaration_id)
    target = DECLARATION.take(REJECT, declaration, actor)
    reason = _note(reason, name="reason", required=True)
    _save(declaration, status=target, decision_note=reason, decided_at=timezone.now(), decided_by=actor)
    return declaration


@transaction.atomic
def declaration_cancel(*, declaration_id: int, actor, reason: str = "") -> Declaration:
    """The declarant cancels a declaration before its release."""
    declaration = _locked(declaration_id)
    target = DECLARATION.take(CANCEL, declaration, actor)
    reason = _note(reason, name="reason", required=False)
    _save(declaration, status=target, decision_note=reason)
    return declaration
