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
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from hetao.i18n import reason_in
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX, bounded_date
from hetao.numbering import next_number
from zone.models import EntryStatus, Institution, PersonStatus, RegisteredPerson, WhitelistEntry
from zone.services import passage_status

from ..choices import Currency, Direction, ItemCategory, TransportMode, Unit
from ..hs import clean_hs_code
from ..models import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Checkpoint,
    Declaration,
    DeclarationItem,
    Line,
)
from ..rules import Facts, Item, evaluate
from ..workflow import CANCEL, DECLARATION, EDIT, FILE, HOLD, INSPECT, REJECT, RELEASE
from . import gates, stock
from .rules import current_rules, current_version, selection

NUMBER_SERIES = "HTCD"
NUMBER_WIDTH = 7
ITEMS_MAX = 200
HEADER_FIELDS = (
    "reference",
    "line",
    "direction",
    "receiving_institution",
    "checkpoint",
    "planned_date",
    "transport_mode",
    "carrier",
    "consolidated",
    "period_start",
    "period_end",
)
ITEM_FIELDS = (
    "hs_code",
    "description",
    "quantity",
    "unit",
    "value",
    "currency",
    "origin",
    "category",
    "permit_reference",
)


class _Problems:
    """Every problem of the input at once, each on its field (`items.2.quantity` for an item's)."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _decimal(value, *, name: str, digits: int, places: int, problems: _Problems) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        problems.add(name, _("Enter a number."))
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        problems.add(name, _("Enter a number."))
        return None
    if not number.is_finite() or number <= 0:
        problems.add(name, _("Enter a number greater than zero."))
        return None
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        problems.add(name, _("Enter at most %(places)s decimal places.") % {"places": places})
        return None
    if number >= Decimal(10) ** (digits - places):
        problems.add(name, _("Enter a number below %(max)s.") % {"max": f"{10 ** (digits - places):,}"})
        return None
    return number


def _text(value, *, name: str, limit: int, problems: _Problems, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        problems.add(name, _("This field is required."))
    elif len(text) > limit:
        problems.add(name, _("Write at most %(limit)s characters.") % {"limit": limit})
    return text[:limit]


def _choice(value, choices, *, name: str, problems: _Problems, message) -> str:
    if value not in choices.values:
        problems.add(name, message)
        return ""
    return value


def clean_items(items, problems: _Problems, subheadings=None) -> list[dict]:
    """The items as the declaration stores them, each checked field by field."""
    if not isinstance(items, list | tuple) or not items:
        problems.add("items", _("A declaration has at least one item."))
        return []
    if len(items) > ITEMS_MAX:
        problems.add("items", _("A declaration has at most %(max)s items.") % {"max": ITEMS_MAX})
        return []
    cleaned = []
    for position, raw in enumerate(items, start=1):
        prefix = f"items.{position}."
        if not isinstance(raw, dict):
            problems.add(f"items.{position}", _("Each item is an object with its fields."))
            continue
        unknown = sorted(set(raw) - set(ITEM_FIELDS) - {"position", "subheading_description"})
        if unknown:
            problems.add(f"items.{position}", _("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)})
        item = {"position": position}
        try:
            item["hs_code"], item["subheading_description"] = clean_hs_code(raw.get("hs_code"), subheadings)
        except ValidationError as error:
            problems.add(prefix + "hs_code", error.messages[0])
        item["description"] = _text(
            raw.get("description"), name=prefix + "description", limit=SHORT_TEXT_MAX, problems=problems, required=True
        )
        item["quantity"] = _decimal(
            raw.get("quantity"),
            name=prefix + "quantity",
            digits=QUANTITY_DIGITS,
            places=QUANTITY_PLACES,
            problems=problems,
        )
        item["unit"] = _choice(
            raw.get("unit"), Unit, name=prefix + "unit", problems=problems, message=_("Choose a unit from the list.")
        )
        item["value"] = _decimal(
            raw.get("value"), name=prefix + "value", digits=VALUE_DIGITS, places=VALUE_PLACES, problems=problems
        )
        item["currency"] = _choice(
            raw.get("currency"),
            Currency,
            name=prefix + "currency",
            problems=problems,
            message=_("Choose the currency: CNY, HKD or USD."),
        )
        origin = str(raw.get("origin") or "").strip().upper()
        if origin not in dict(countries):
            problems.add(prefix + "origin", _("Give the country of origin as its ISO 3166 code, e.g. DE or HK."))
        item["origin"] = origin
        item["category"] = _choice(
            raw.get("category"),
            ItemCategory,
            name=prefix + "category",
            problems=problems,
            message=_("Choose the category of the goods."),
        )
        item["permit_reference"] = _text(
            raw.get("permit_reference"), name=prefix + "permit_reference", limit=PERMIT_MAX, problems=problems
        )
        cleaned.append(item)
    return cleaned


def clean_header(values: dict, institution: Institution, problems: _Problems) -> dict:
    """The header as the declaration stores it; the related records are given as objects."""
    header = {}
    header["reference"] = _text(values.get("reference"), name="reference", limit=REFERENCE_MAX, problems=problems)
    header["line"] = _choice(
        values.get("line"),
        Line,
        name="line",
        problems=problems,
        message=_("Choose the line: first, second, or inside the park."),
    )
    header["direction"] = _choice(
        values.get("direction"),
        Direction,
        name="direction",
        problems=problems,
        message=_("Choose the direction: into or out of the park."),
    )
    receiver = values.get("receiving_institution")
    if header["line"] == Line.INTERNAL:
        if receiver is None:
            problems.add(
                "receiving_institution", _("A movement inside the park names the institution that receives it.")
            )
        elif receiver.pk == institution.pk:
            problems.add("receiving_institution", _("The receiving institution is another institution than yours."))
    elif receiver is not None:
        problems.add("receiving_institution", _("Only a movement inside the park names a receiving institution."))
        receiver = None
    header["receiving_institution"] = receiver
    checkpoint = values.get("checkpoint")
    if not isinstance(checkpoint, Checkpoint):
        problems.add("checkpoint", _("Choose the checkpoint."))
    elif not checkpoint.active:
        problems.add("checkpoint", _("This checkpoint is not in service."))
    elif header["line"] and checkpoint.line != header["line"]:
        problems.add(
            "checkpoint",
            _("Checkpoint %(code)s is on the %(line)s, not on the line of this declaration.")
            % {"code": checkpoint.code, "line": Line(checkpoint.line).label},
        )
    header["checkpoint"] = checkpoint if isinstance(checkpoint, Checkpoint) else None
    planned = values.get("planned_date")
    if not isinstance(planned, date):
        problems.add("planned_date", _("Enter the planned date."))
        planned = None
    else:
        try:
            bounded_date(planned, field="planned_date")
        except ValidationError as error:
            problems.add("planned_date", error.messages[0])
            planned = None
    header["planned_date"] = planned
    header["transport_mode"] = _choice(
        values.get("transport_mode"),
        TransportMode,
        name="transport_mode",
        problems=problems,
        message=_("Choose how the goods travel."),
    )
    carrier = values.get("carrier")
    if header["transport_mode"] == TransportMode.HAND_CARRY:
        if not isinstance(carrier, RegisteredPerson):
            problems.add("carrier", _("Hand-carried goods name their carrier: a person your institution registered."))
            carrier = None
        elif carrier.institution_id != institution.pk:
            problems.add("carrier", _("The carrier must be a person your institution registered."))
            carrier = None
    elif carrier is not None:
        problems.add("carrier", _("Only hand-carried goods name a carrier."))
        carrier = None
    header["carrier"] = carrier
    consolidated = bool(values.get("consolidated"))
    header["consolidated"] = consolidated
    start, end = values.get("period_start"), values.get("period_end")
    if consolidated:
        if not isinstance(start, date):
            problems.add("period_start", _("A consolidated declaration covers a period: enter its first day."))
        if not isinstance(end, date):
            problems.add("period_end", _("A consolidated declaration covers a period: enter its last day."))
        if isinstance(start, date) and isinstance(end, date) and end < start:
            problems.add("period_end", _("The period must not end before it starts."))
    elif start or end:
        problems.add("consolidated", _("Only a consolidated declaration covers a period."))
        start = end = None
    header["period_start"], header["period_end"] = (start, end) if consolidated else (None, None)
    return header


def _check_planned_date(header: dict, problems: _Problems) -> None:
    """A declaration is filed for a day to come (a consolidated one for its period)."""
    planned = header.get("planned_date")
    if planned and planned < timezone.localdate() and not header.get("consolidated"):
        problems.add("planned_date", _("The planned date has passed: choose the day the goods cross."))


def _check_known(values: dict) -> None:
    unknown = sorted(set(values) - set(HEADER_FIELDS))
    if unknown:
        raise ValidationError({"__all__": [_("Unknown field(s): %(names)s.") % {"names": ", ".join(unknown)}]})


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
