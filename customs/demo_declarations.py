"""Demo data of customs declarations (a step of `manage.py seed_demo`): a few dozen declarations of
the demo institutions across the lines, lanes and states — first-line entries of the whitelisted
enterprise and institute (filing only, green), special items under permit (yellow) and without the
special-items scope (red), the university not yet whitelisted (standard declaration, yellow),
second-line exits (import declaration), movements inside the park, hand-carried samples through
the No. 1 Channel, and releases that have crossed the gate.

Everything goes through the services, like real declarations; each is keyed by the declarant's own
reference, so seeding twice declares nothing new and leaves no audit events behind.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from zone.demo import BIO_INSTITUTE, HK_UNIVERSITY, SZ_ENTERPRISE
from zone.models import RegisteredPerson

from . import services
from .models import Checkpoint, Declaration

CARGO, NO1, SECOND, INTERNAL = "HT-F1-CARGO", "HT-NO1", "HT-L2-FUTIAN", "HT-INT"

GOODS = {
    "chromatograph": ("902720", "Gas chromatograph", "pcs", "2", "186000.00", "HKD", "DE", "instrument"),
    "laptops": ("847130", "Portable computers", "pcs", "6", "54000.00", "HKD", "CN", "general"),
    "cryostat": ("841869", "Dilution refrigerator insert", "set", "1", "920000.00", "USD", "FI", "instrument"),
    "reagents": (
        "382219",
        "Laboratory reagents",
        "box",
        "40",
        "36000.00",
        "HKD",
        "US",
        "reagent_consumable",
    ),
    "probes": ("901890", "Surgical probes for animal studies", "pcs", "25", "41000.00", "HKD", "JP", "instrument"),
    "serum": ("300212", "Antisera, research grade", "ml", "500", "12000.00", "HKD", "GB", "special_item"),
    "samples": ("300212", "Cell-therapy cohort blood samples", "ml", "120", "8000.00", "HKD", "HK", "sample"),
    "genomes": (
        "300212",
        "Human tissue samples",
        "g",
        "50",
        "5000.00",
        "HKD",
        "HK",
        "human_genetic_resource",
    ),
    "solvent": ("290511", "Methanol, analytical grade", "l", "20", "2400.00", "CNY", "CN", "hazardous_chemical"),
}


@dataclass
class Demo:
    reference: str
    institution: tuple
    filer: str
    goods: list[str]
    code: str = CARGO
    direction: str = "into_park"
    mode: str = "vehicle"
    state: str = "released"  # draft, filed, under_inspection, held, released, rejected, cancelled, passed
    permit: bool = False
    receiver: tuple | None = None
    days: int = 1
    qty: dict = field(default_factory=dict)


QD, BIO, LRU = SZ_ENTERPRISE, BIO_INSTITUTE, HK_UNIVERSITY
OUT = {"code": SECOND, "direction": "out_of_park"}
HAND = {"code": NO1, "mode": "hand_carry"}
TO_BIO = {"code": INTERNAL, "receiver": BIO_INSTITUTE}
DEMO = [
    # The quantum devices enterprise: instruments and reagents across the first line.
    Demo("DEMO-CD-QD-001", QD, "filer", ["chromatograph", "reagents"], state="passed", days=-20),
    Demo("DEMO-CD-QD-002", QD, "filer", ["cryostat"], state="passed", days=-15),
    Demo("DEMO-CD-QD-003", QD, "filer", ["laptops", "reagents"], days=-10),
    Demo("DEMO-CD-QD-004", QD, "filer", ["reagents"], days=-8),
    Demo("DEMO-CD-QD-005", QD, "filer", ["chromatograph"], days=-6),
    Demo("DEMO-CD-QD-006", QD, "filer", ["laptops"], state="filed", days=1),
    Demo("DEMO-CD-QD-007", QD, "filer", ["reagents"], state="filed", days=2),
    Demo("DEMO-CD-QD-008", QD, "filer", ["cryostat"], state="under_inspection", days=1),
    Demo("DEMO-CD-QD-009", QD, "filer", ["probes"], state="held", days=1),
    Demo("DEMO-CD-QD-010", QD, "filer", ["laptops"], state="draft", days=5),
    Demo("DEMO-CD-QD-011", QD, "filer", ["reagents"], state="cancelled", days=3),
    # Leaving the park across the second line: an import declaration, from the stock entered above.
    Demo("DEMO-CD-QD-012", QD, "filer", ["reagents"], **OUT, qty={"reagents": "10"}),
    Demo(
        "DEMO-CD-QD-013",
        QD,
        "filer",
        ["laptops"],
        code=SECOND,
        direction="out_of_park",
        state="filed",
        qty={"laptops": "2"},
    ),
    Demo(
        "DEMO-CD-QD-014",
        QD,
        "filer",
        ["chromatograph"],
        code=SECOND,
        direction="out_of_park",
        state="passed",
        qty={"chromatograph": "1"},
    ),
    # Inside the park: instruments lent to the biomedical institute.
    Demo("DEMO-CD-QD-015", QD, "filer", ["laptops"], **TO_BIO, qty={"laptops": "2"}),
    Demo(
        "DEMO-CD-QD-016",
        QD,
        "filer",
        ["reagents"],
        code=INTERNAL,
        receiver=BIO,
        state="filed",
        qty={"reagents": "5"},
    ),
    # Hand-carried through the No. 1 Channel by the enterprise's designated carrier.
    Demo("DEMO-CD-QD-017", QD, "filer", ["reagents"], **HAND, qty={"reagents": "2"}),
    Demo(
        "DEMO-CD-QD-018",
        QD,
        "filer",
        ["chromatograph"],
        code=NO1,
        mode="hand_carry",
        state="filed",
        qty={"chromatograph": "1"},
    ),
    # The biomedical institute: special items under permit, whitelisted for them (yellow).
    Demo("DEMO-CD-BIO-001", BIO, "owner-bio", ["serum"], permit=True, days=-12),
    Demo("DEMO-CD-BIO-002", BIO, "owner-bio", ["serum"], permit=True, state="filed", days=1),
    Demo("DEMO-CD-BIO-003", BIO, "owner-bio", ["genomes"], permit=True, state="under_inspection", days=1),
    Demo("DEMO-CD-BIO-004", BIO, "owner-bio", ["genomes"], permit=True, state="filed", days=2),
    Demo("DEMO-CD-BIO-005", BIO, "owner-bio", ["solvent"], permit=True, days=-9),
    Demo("DEMO-CD-BIO-006", BIO, "owner-bio", ["solvent"], permit=True, state="held", days=1),
    Demo("DEMO-CD-BIO-007", BIO, "owner-bio", ["probes", "reagents"], state="passed", days=-7),
    Demo("DEMO-CD-BIO-008", BIO, "owner-bio", ["reagents"], state="filed", days=3),
    Demo("DEMO-CD-BIO-009", BIO, "owner-bio", ["probes"], state="rejected", days=1),
    Demo("DEMO-CD-BIO-010", BIO, "owner-bio", ["samples"], **HAND, state="filed"),
    Demo("DEMO-CD-BIO-011", BIO, "owner-bio", ["samples"], **HAND, state="passed", days=-3),
    # The Hong Kong university, not on the whitelist yet: the standard way, and special items red.
    Demo("DEMO-CD-LRU-001", LRU, "owner-hk", ["chromatograph"], state="filed", days=2),
    Demo("DEMO-CD-LRU-002", LRU, "owner-hk", ["laptops"], state="under_inspection", days=1),
    Demo("DEMO-CD-LRU-003", LRU, "owner-hk", ["reagents"], days=-4),
    Demo("DEMO-CD-LRU-004", LRU, "owner-hk", ["serum"], permit=True, state="filed", days=2),
]

# What each demo hold or rejection says, and the officer's findings.
NOTES = {
    "held": "Certificate of origin missing: upload it to the declaration.",
    "rejected": "The goods are animal-study instruments under a licence the declarant does not hold.",
    "under_inspection": "Documentary check of the invoice and packing list.",
}


def _item(name: str, permit: bool, quantity: str | None) -> dict:
    hs_code, description, unit, default_quantity, value, currency, origin, category = GOODS[name]
    return {
        "hs_code": hs_code,
        "description": description,
        "quantity": Decimal(quantity or default_quantity),
        "unit": unit,
        "value": Decimal(value),
        "currency": currency,
        "origin": origin,
        "category": category,
        "permit_reference": f"PERMIT-{hs_code}-2026" if permit else "",
    }


def _carrier(institution):
    return (
        RegisteredPerson.objects.filter(institution=institution, designated_carrier=True, status="approved")
        .order_by("pk")
        .first()
    )


def _declare(spec: Demo, context, checkpoints) -> Declaration:
    institution = context.institutions[spec.institution]
    filer, officer = context.users[spec.filer], context.users["customs"]
    checkpoint = checkpoints[spec.code]
    today = timezone.localdate()
    header = {
        "reference": spec.reference,
        "line": checkpoint.line,
        "direction": spec.direction,
        "checkpoint": checkpoint,
        # Past dates are written once filed: a declaration is filed for a day to come.
        "planned_date": today + timedelta(days=max(spec.days, 1)),
        "transport_mode": spec.mode,
        "carrier": _carrier(institution) if spec.mode == "hand_carry" else None,
        "receiving_institution": context.institutions[spec.receiver] if spec.receiver else None,
    }
    items = [_item(name, spec.permit, spec.qty.get(name)) for name in spec.goods]
    declaration = services.declaration_create(institution=institution, actor=filer, items=items, **header)
    if spec.state == "draft":
        return declaration
    if spec.state == "cancelled":
        return services.declaration_cancel(declaration_id=declaration.pk, actor=filer, reason="Shipment postponed.")
    declaration = services.declaration_file(declaration_id=declaration.pk, actor=filer)
    if spec.state == "filed":
        return declaration
    if spec.state in ("under_inspection", "held", "rejected"):
        declaration = services.declaration_inspect(
            declaration_id=declaration.pk, actor=officer, findings=NOTES["under_inspection"]
        )
    if spec.state == "held":
        return services.declaration_hold(declaration_id=declaration.pk, actor=officer, reason=NOTES["held"])
    if spec.state == "rejected":
        return services.declaration_reject(declaration_id=declaration.pk, actor=officer, reason=NOTES["rejected"])
    if spec.state == "under_inspection":
        return declaration
    declaration = services.declaration_release(declaration_id=declaration.pk, actor=officer)
    if spec.state == "passed":
        services.gate_pass(
            slip_number=declaration.slip_number,
            checkpoint=checkpoint,
            actor=officer,
            vehicle_plate="" if spec.mode == "hand_carry" else "粤B·D2026",
        )
    return declaration


def seed_declarations(context) -> None:
    """Declare, file and decide the demo declarations that are not there yet, in order (the exits
    take from the stock the entries before them brought in)."""
    checkpoints = {checkpoint.code: checkpoint for checkpoint in Checkpoint.objects.all()}
    label = Declaration._meta.verbose_name_plural
    for spec in DEMO:
        institution = context.institutions[spec.institution]
        if Declaration.objects.filter(institution=institution, reference=spec.reference).exists():
            context.count(label, False, False)
            continue
        _declare(spec, context, checkpoints)
        context.count(label, True, True)
