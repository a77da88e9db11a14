"""Declarations filed in bulk through a real Celery worker: the file read and checked like
declarations filed by hand, written in one transaction, recognised when filed again, and a bad row
reported with its line, column and message — all or nothing, or the valid declarations only."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from customs.models import Declaration
from hetao.batches.engine import run
from hetao.batches.services import batch_submit

from .batch_helpers import finished
from .declaration_helpers import checkpoint, declarant

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HEADER = (
    "ref,line,direction,checkpoint,planned_date,transport_mode,"
    "hs_code,description,quantity,unit,value,currency,origin,category,permit_reference"
)


def upload(rows: list[str], name="declarations.csv", encoding="utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode(encoding), content_type="text/csv")


def rows_for(day: str, *, bad: bool = False) -> list[str]:
    hs = "902799" if bad else "902720"
    return [
        f"PO-1,first,into_park,HT-FL-CARGO,{day},vehicle,{hs},Gas chromatograph,2,pcs,150000,HKD,DE,instrument,",
        f"PO-1,first,into_park,HT-FL-CARGO,{day},vehicle,847130,笔记本电脑,3,pcs,24000,HKD,CN,general,",
        f"PO-2,first,into_park,HT-FL-CARGO,{day},vehicle,382219,试剂,40,box,36000,HKD,US,reagent_consumable,",
    ]


@pytest.fixture
def filer_and_day():
    institution, filer, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    return institution, filer, (timezone.localdate() + timedelta(days=2)).isoformat()


def test_a_file_of_declarations_is_imported_by_the_worker_and_recognised_when_filed_again(celery_worker, filer_and_day):
    institution, filer, day = filer_and_day
    batch, created = batch_submit(
        kind="customs_declarations", uploaded=upload(rows_for(day), encoding="gb18030"), actor=filer,
        institution=institution,
    )  # fmt: skip
    assert created
    batch = finished(batch)
    assert batch.status == "succeeded", (batch.message, batch.errors)
    assert (batch.total_rows, batch.ok_rows, batch.failed_rows) == (3, 3, 0)
    declarations = Declaration.objects.filter(batch=batch).order_by("reference")
    assert [d.reference for d in declarations] == ["PO-1", "PO-2"]
    first = declarations[0]
    assert first.status == "filed" and first.number.startswith("HTCD-") and first.regime == "filing_only"
    assert [item.description for item in first.items.order_by("position")] == ["Gas chromatograph", "笔记本电脑"]
    assert first.explanation and first.rule_set_version is not None

    again, created_again = batch_submit(
        kind="customs_declarations", uploaded=upload(rows_for(day), encoding="gb18030"), actor=filer,
        institution=institution,
    )  # fmt: skip
    assert again.pk == batch.pk and not created_again
    assert Declaration.objects.count() == 2
    # A redelivered task finds the batch claimed and imports nothing again.
    assert run(batch.pk) == "already claimed"
    assert Declaration.objects.count() == 2


def test_a_bad_row_fails_the_whole_file_or_only_its_declaration(celery_worker, filer_and_day):
    institution, filer, day = filer_and_day
    with translation.override("en"):
        strict, _created = batch_submit(
            kind="customs_declarations", uploaded=upload(rows_for(day, bad=True)), actor=filer,
            institution=institution,
        )  # fmt: skip
    strict = finished(strict)
    assert strict.status == "failed" and Declaration.objects.count() == 0
    assert (strict.ok_rows, strict.failed_rows) == (0, 2)
    assert strict.errors[0] == {
        "line": 2,
        "column": "hs_code",
        "value": "902799",
        "message": "“902799” is not a subheading of the HS 2022 nomenclature.",
    }

    lenient, _created = batch_submit(
        kind="customs_declarations", uploaded=upload(rows_for(day, bad=True), name="again.csv"), actor=filer,
        institution=institution, mode="valid_rows_only",
    )  # fmt: skip
    assert lenient.pk != strict.pk  # the failed filing imported nothing: the same file may be filed again
    lenient = finished(lenient)
    assert lenient.status == "partially_succeeded"
    assert (lenient.ok_rows, lenient.failed_rows) == (1, 2)
    assert list(Declaration.objects.filter(batch=lenient).values_list("reference", flat=True)) == ["PO-2"]

    # Filed by zone staff without an institution, each row names its declarant: a missing one is reported.
    staff_batch, _created = batch_submit(
        kind="customs_declarations", uploaded=upload(rows_for(day), name="staff.csv"), actor=filer, institution=None
    )
    staff_batch = finished(staff_batch)
    assert staff_batch.status == "failed"
    assert {error["column"] for error in staff_batch.errors} == {"declarant"}


def test_a_file_that_does_not_fit_the_kind_is_rejected_with_a_message(celery_worker, filer_and_day):
    institution, filer, _day = filer_and_day
    with translation.override("en"):
        batch, _created = batch_submit(
            kind="customs_declarations",
            uploaded=SimpleUploadedFile("wrong.csv", b"colour,size\nred,9\n", content_type="text/csv"),
            actor=filer,
            institution=institution,
        )
    batch = finished(batch)
    assert batch.status == "rejected"
    assert "unknown columns: colour, size" in batch.message
    assert Declaration.objects.count() == 0


def test_rows_of_one_declaration_apart_in_the_file_still_form_one_declaration(celery_worker, filer_and_day):
    institution, filer, day = filer_and_day
    first, second, third = rows_for(day)
    # PO-2 sits between the two rows of PO-1: the file is read again in key order.
    batch, _created = batch_submit(
        kind="customs_declarations", uploaded=upload([first, third, second]), actor=filer, institution=institution
    )
    batch = finished(batch)
    assert batch.status == "succeeded", (batch.message, batch.errors)
    assert (batch.total_rows, batch.ok_rows) == (3, 3)
    po1 = Declaration.objects.get(batch=batch, reference="PO-1")
    assert [(item.position, item.hs_code) for item in po1.items.order_by("position")] == [(1, "902720"), (2, "847130")]
    assert Declaration.objects.filter(batch=batch).count() == 2
    assert "first_pass" in batch.timings and "import" in batch.timings


def test_a_reference_the_declarant_already_used_is_reported_and_the_rest_filed(celery_worker, filer_and_day):
    institution, filer, day = filer_and_day
    earlier, _created = batch_submit(
        kind="customs_declarations", uploaded=upload(rows_for(day)[:2]), actor=filer, institution=institution
    )
    earlier = finished(earlier)
    assert earlier.status == "succeeded"
    with translation.override("en"):
        later, _created = batch_submit(
            kind="customs_declarations", uploaded=upload(rows_for(day), name="more.csv"), actor=filer,
            institution=institution, mode="valid_rows_only",
        )  # fmt: skip
    later = finished(later)
    assert later.status == "partially_succeeded"
    assert (later.ok_rows, later.failed_rows) == (1, 2)
    assert later.errors == [
        {"line": 2, "column": "ref", "value": "PO-1",
         "message": "Your institution already has a declaration with this reference."},
    ]  # fmt: skip
    assert list(Declaration.objects.filter(batch=later).values_list("reference", flat=True)) == ["PO-2"]
    assert Declaration.objects.filter(institution=institution, reference="PO-1").count() == 1


def test_declarations_of_a_batch_are_numbered_in_file_order_and_audited_with_the_batch(celery_worker, filer_and_day):
    from io import StringIO

    from django.core.management import call_command

    from customs.models import DeclarationEvent

    institution, filer, day = filer_and_day
    batch, _created = batch_submit(
        kind="customs_declarations", uploaded=upload(rows_for(day)), actor=filer, institution=institution
    )
    batch = finished(batch)
    declarations = list(Declaration.objects.filter(batch=batch).order_by("number"))
    assert [d.reference for d in declarations] == ["PO-1", "PO-2"]
    first, second = (int(d.number.rsplit("-", 1)[1]) for d in declarations)
    assert second == first + 1
    events = DeclarationEvent.objects.filter(pgh_obj__batch=batch, pgh_label="insert").select_related("pgh_context")
    assert events.count() == 2
    assert {event.pgh_context.metadata["batch"] for event in events} == {batch.pk}
    assert {event.pgh_context.metadata["user"] for event in events} == {filer.pk}
    out = StringIO()
    call_command("audit_verify", stdout=out)  # raises CommandError on a broken chain


def test_a_batch_of_many_declarations_is_sealed_into_the_audit_chain_intact(celery_worker, filer_and_day):
    """Past a few dozen events a statement's seals are computed set-wise: the chain must verify."""
    from io import StringIO

    from django.core.management import call_command

    institution, filer, day = filer_and_day
    rows = [
        f"BULK-{number:03d},first,into_park,HT-FL-CARGO,{day},vehicle,902720,Gas chromatograph,{number},pcs,"
        f"{1000 + number},HKD,DE,instrument,"
        for number in range(1, 121)
    ]
    batch, _created = batch_submit(
        kind="customs_declarations", uploaded=upload(rows, name="bulk.csv"), actor=filer, institution=institution
    )
    batch = finished(batch)
    assert batch.status == "succeeded", (batch.message, batch.errors[:3])
    assert Declaration.objects.filter(batch=batch).count() == 120
    out = StringIO()
    call_command("audit_verify", stdout=out)  # raises CommandError naming the first broken link
    assert "Intact" in out.getvalue()
