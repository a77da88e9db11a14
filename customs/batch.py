"""The batch kind `customs_declarations`: one row per item; rows with the same `ref` form one
declaration, checked by the very functions that check a declaration filed by hand
(`clean_header`, `clean_items`) and decided by the same rule engine.

Everything a row refers to — HS subheadings, checkpoints, institutions by registration number,
carriers, whitelist scopes, the rule set — is loaded once per batch (`Lookups`), so checking a row
runs no query.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetao.batches.kinds import BOOLEAN, CHOICE, DATE, DECIMAL, CellError, Column, Kind
from hetao.i18n import reason_in
from zone.models import EntryStatus, Institution, PersonStatus, RegisteredPerson, WhitelistEntry

from .choices import Currency, Direction, ItemCategory, TransportMode, Unit
from .models import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Checkpoint,
    HsCode,
    Line,
)
from .rules import evaluate
from .services.checks import _Problems, clean_header, clean_items
from .services.declarations import _Header, facts_of
from .services.rules import current_rules

KIND = "customs_declarations"
# Columns that describe the declaration, not the item: equal on every row of one `ref`.
HEADER_COLUMNS = (
    "declarant",
    "line",
    "direction",
    "checkpoint",
    "planned_date",
    "transport_mode",
    "carrier",
    "receiving_institution",
    "consolidated",
    "period_start",
    "period_end",
)
ITEM_COLUMNS = (
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

COLUMNS = (
    Column("ref", gettext_lazy("Your reference of the declaration: rows with the same ref form one declaration."),
           max_length=REFERENCE_MAX, example="PO-2026-118"),
    Column("declarant", gettext_lazy("Registration number of the declarant (only in files of zone staff and "
                                     "partner systems; an institution files for itself)."), required=False,
           example=""),
    Column("line", gettext_lazy("first, second or internal."), type=CHOICE, choices=tuple(Line.values),
           example="first"),
    Column("direction", gettext_lazy("into_park or out_of_park."), type=CHOICE, choices=tuple(Direction.values),
           example="into_park"),
    Column("checkpoint", gettext_lazy("Code of the checkpoint, e.g. HT-NO1."), max_length=16, example="HT-F1-CARGO"),
    Column("planned_date", gettext_lazy("The day the goods cross."), type=DATE, example="2026-12-24"),
    Column("transport_mode", gettext_lazy("vehicle, hand_carry, post or other."), type=CHOICE,
           choices=tuple(TransportMode.values), example="vehicle"),
    Column("carrier", gettext_lazy("For hand-carried goods: id of the registered person who carries them."),
           required=False),
    Column("receiving_institution", gettext_lazy("For a movement inside the park: registration number of the "
                                                 "receiver."), required=False),
    Column("consolidated", gettext_lazy("yes for a consolidated declaration covering a period."), type=BOOLEAN,
           required=False, example="no"),
    Column("period_start", gettext_lazy("First day of a consolidated declaration's period."), type=DATE,
           required=False),
    Column("period_end", gettext_lazy("Last day of a consolidated declaration's period."), type=DATE,
           required=False),
    Column("hs_code", gettext_lazy("HS code: 6 digits of an HS 2022 subheading, or 8 or 10 digits."), max_length=20,
           example="9027.20"),
    Column("description", gettext_lazy("Description of the goods."), example="Gas chromatograph"),
    Column("quantity", gettext_lazy("Quantity, greater than zero."), type=DECIMAL, places=QUANTITY_PLACES,
           digits=QUANTITY_DIGITS, example="2"),
    Column("unit", gettext_lazy("Unit of the quantity."), type=CHOICE, choices=tuple(Unit.values), example="pcs"),
    Column("value", gettext_lazy("Value, greater than zero."), type=DECIMAL, places=VALUE_PLACES,
           digits=VALUE_DIGITS, example="150000.00"),
    Column("currency", gettext_lazy("CNY, HKD or USD."), type=CHOICE, choices=tuple(Currency.values), example="HKD"),
    Column("origin", gettext_lazy("Country of origin, ISO 3166 code of two letters."), max_length=2, example="DE"),
    Column("category", gettext_lazy("Category of the goods."), type=CHOICE, choices=tuple(ItemCategory.values),
           example="instrument"),
    Column("permit_reference", gettext_lazy("Permit reference, for goods that need one."), required=False,
           max_length=PERMIT_MAX),
)  # fmt: skip


@dataclass
class Lookups:
    """What the rows of one batch refer to, read once: by code, registration number or id."""

    subheadings: dict[str, str]
    checkpoints: dict[str, Checkpoint]
    institutions: dict[str, Institution]
    carriers: dict[int, RegisteredPerson]
    scopes: dict[int, list[tuple[date, date, frozenset]]]
    rules: list = field(default_factory=list)

    @classmethod
    def load(cls) -> "Lookups":
        scopes = defaultdict(list)
        for institution_id, start, end, entry_scopes in WhitelistEntry.objects.filter(
            status=EntryStatus.ACTIVE
        ).values_list("institution_id", "valid_from", "valid_until", "scopes"):
            scopes[institution_id].append((start, end, frozenset(entry_scopes)))
        return cls(
            subheadings=dict(HsCode.objects.filter(declarable=True).values_list("code", "description")),
            checkpoints={checkpoint.code: checkpoint for checkpoint in Checkpoint.objects.all()},
            institutions={institution.registration_no: institution for institution in Institution.objects.all()},
            carriers={
                person.pk: person
                for person in RegisteredPerson.objects.filter(status=PersonStatus.APPROVED, designated_carrier=True)
            },
            scopes=dict(scopes),
            rules=list(current_rules()),
        )

    def scopes_on(self, institution_id: int, day: date) -> frozenset:
        return frozenset().union(
            *(scopes for start, end, scopes in self.scopes.get(institution_id, []) if start <= day <= end)
        )


@dataclass
class Checked:
    """A declaration of the batch, checked and decided: what the writer files, or its problems."""

    ref: str
    institution: Institution | None
    header: dict
    items: list[dict]
    decision: object = None
    errors: list[CellError] = field(default_factory=list)


def check_declaration(ref: str, rows: list[tuple[int, dict]], lookups: Lookups, uploader_institution=None) -> Checked:
    """One declaration of a batch (its rows, in file order) checked like a declaration filed by hand."""
    first_line, first = rows[0]
    errors: list[CellError] = []
    for line, values in rows[1:]:
        for name in HEADER_COLUMNS:
            if values.get(name) != first.get(name):
                errors.append(
                    CellError(
                        line,
                        name,
                        str(values.get(name) or ""),
                        _(
                            "Every row of declaration %(ref)s gives the same %(column)s as its first row "
                            "(line %(line)s)."
                        )
                        % {"ref": ref, "column": name, "line": first_line},
                    )
                )
    institution = uploader_institution
    if institution is None:
        institution = lookups.institutions.get(first.get("declarant") or "")
        if institution is None:
            errors.append(
                CellError(first_line, "declarant", str(first.get("declarant") or ""),
                          _("Name the declarant by its registration number."))
            )  # fmt: skip
    checkpoint = lookups.checkpoints.get(first.get("checkpoint") or "")
    if first.get("checkpoint") and checkpoint is None:
        errors.append(
            CellError(first_line, "checkpoint", first["checkpoint"], _("No checkpoint has this code."))
        )  # fmt: skip
    carrier = None
    if first.get("carrier"):
        carrier_id = str(first["carrier"])
        carrier = lookups.carriers.get(int(carrier_id)) if carrier_id.isdigit() else None
        if carrier is None or (institution is not None and carrier.institution_id != institution.pk):
            errors.append(
                CellError(first_line, "carrier", carrier_id,
                          _("No designated carrier of the declarant has this id."))
            )  # fmt: skip
            carrier = None
    receiver = None
    if first.get("receiving_institution"):
        receiver = lookups.institutions.get(first["receiving_institution"])
        if receiver is None:
            errors.append(
                CellError(first_line, "receiving_institution", first["receiving_institution"],
                          _("No institution has this registration number."))
            )  # fmt: skip
    header = {
        "reference": ref,
        "line": first.get("line"),
        "direction": first.get("direction"),
        "checkpoint": checkpoint,
        "planned_date": first.get("planned_date"),
        "transport_mode": first.get("transport_mode"),
        "carrier": carrier,
        "receiving_institution": receiver,
        "consolidated": bool(first.get("consolidated")),
        "period_start": first.get("period_start"),
        "period_end": first.get("period_end"),
    }
    items = [{name: values.get(name) for name in ITEM_COLUMNS} for _line, values in rows]
    checked = Checked(ref=ref, institution=institution, header=header, items=[], errors=errors)
    if errors or institution is None:
        return checked
    problems = _Problems()
    cleaned_header = clean_header(header, institution, problems)
    cleaned_items = clean_items(items, problems, lookups.subheadings)
    for key, messages in problems.errors.items():
        line, column = first_line, key
        if key.startswith("items."):
            _prefix, position, *rest = key.split(".")
            line = rows[int(position) - 1][0]
            column = rest[0] if rest else "hs_code"
        elif key in ("reference",):
            column = "ref"
        raw = rows[[row[0] for row in rows].index(line)][1].get(column) if column in COLUMN_NAMES else ""
        for message in messages:
            checked.errors.append(CellError(line, column, "" if raw is None else str(raw), message))
    if checked.errors:
        return checked
    day = cleaned_header["planned_date"] or timezone.localdate()
    scopes = lookups.scopes_on(institution.pk, day)
    # As at a passage check: approved, valid that day, and the institution admitted for personnel.
    designated = (
        carrier is not None
        and carrier.institution_id == institution.pk
        and carrier.valid_from <= day <= carrier.valid_until
        and "personnel" in scopes
    )
    draft = _Header(
        institution_id=institution.pk,
        line=cleaned_header["line"],
        direction=cleaned_header["direction"],
        transport_mode=cleaned_header["transport_mode"],
        checkpoint=checkpoint,
        carrier=carrier,
        planned_date=day,
    )
    checked.header, checked.items = cleaned_header, cleaned_items
    checked.decision = evaluate(
        facts_of(draft, cleaned_items, scopes=scopes, designated=designated),
        lookups.rules,
    )
    if checked.decision.refused:
        reasons = " ".join(reason_in(item.reason) for item in checked.decision.fired if item.refuse)
        checked.errors.append(
            CellError(
                first_line, "ref", ref, _("The risk rules refuse this declaration: %(reasons)s") % {"reasons": reasons}
            )
        )
    return checked


COLUMN_NAMES = {column.name for column in COLUMNS}

DECLARATIONS = Kind(
    code=KIND,
    label=gettext_lazy("Customs declarations"),
    description=gettext_lazy("One row per item; rows with the same ref form one declaration."),
    columns=COLUMNS,
    group_by="ref",
    prepare=Lookups.load,
    validate=check_declaration,
    write=lambda batch, groups: write_declarations(batch, groups),
)


def write_declarations(batch, groups: list[Checked]) -> int:
    """File the checked declarations of a batch, as a hand-filed declaration is filed: numbered,
    decided, its rules and the rule-set version kept. Runs inside the batch's one transaction."""
    from hetao.numbering import next_number

    from .models import Declaration, DeclarationItem, DeclarationStatus
    from .services.declarations import NUMBER_SERIES, NUMBER_WIDTH
    from .services.rules import current_version

    version = current_version()
    now = timezone.now()
    year = timezone.localdate().year
    declarations = []
    for group in groups:
        header = group.header
        declarations.append(
            Declaration(
                institution=group.institution,
                number=next_number(NUMBER_SERIES, year, width=NUMBER_WIDTH),
                reference=group.ref,
                line=header["line"],
                direction=header["direction"],
                receiving_institution=header["receiving_institution"],
                checkpoint=header["checkpoint"],
                planned_date=header["planned_date"],
                transport_mode=header["transport_mode"],
                carrier=header["carrier"],
                consolidated=header["consolidated"],
                period_start=header["period_start"],
                period_end=header["period_end"],
                status=DeclarationStatus.FILED,
                regime=group.decision.regime,
                lane=group.decision.lane,
                permit_required=group.decision.permit_required,
                selected=group.decision.selected,
                explanation=group.decision.explanation,
                rule_set_version=version,
                filed_at=now,
                created_by=batch.uploaded_by,
                batch=batch,
            )
        )
    Declaration.objects.bulk_create(declarations, batch_size=2000)
    items = [
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
        for declaration, group in zip(declarations, groups, strict=True)
        for item in group.items
    ]
    DeclarationItem.objects.bulk_create(items, batch_size=5000)
    return len(declarations)
