"""Batch filings through the partner API: a bound token files a CSV of declarations and follows it
to its outcome, filing it again answers the same batch, the error report and the templates
download as CSV and XLSX, and another institution's batch is a 404."""

import csv
import io
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from customs.models import Declaration
from hetao.models import BatchFiling
from hetao.services import api_token_create

from .declaration_helpers import checkpoint, declarant

BASE = "/api/v1/batches"
HEADER = (
    "ref,line,direction,checkpoint,planned_date,transport_mode,"
    "hs_code,description,quantity,unit,value,currency,origin,category,permit_reference"
)


def client_for(user, institution=None, language="en") -> APIClient:
    _token, secret = api_token_create(owner=user, name="system", scopes=["batches:write"], institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_ACCEPT_LANGUAGE=language)
    return client


def csv_upload(day: str, *, bad: bool = False) -> SimpleUploadedFile:
    hs = "902799" if bad else "902720"
    rows = [
        HEADER,
        f"PO-9,first,into_park,HT-FL-CARGO,{day},vehicle,{hs},Gas chromatograph,2,pcs,150000,HKD,DE,instrument,",
    ]
    return SimpleUploadedFile("declarations.csv", ("\n".join(rows) + "\n").encode(), content_type="text/csv")


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8-sig")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_partner_files_a_batch_and_follows_it_to_its_outcome(celery_worker):
    institution, filer, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    system = client_for(filer, institution)

    filed = system.post(f"{BASE}/", {"kind": "customs_declarations", "file": csv_upload(day)}, format="multipart")
    assert filed.status_code == 201, filed.content
    batch_id = filed.json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        answer = system.get(f"{BASE}/{batch_id}/").json()
        if answer["status"] not in ("queued", "validating", "importing"):
            break
        time.sleep(0.2)
    assert answer["status"] == "succeeded" and answer["progress"] == 100 and answer["ok_rows"] == 1
    assert Declaration.objects.filter(batch_id=batch_id, reference="PO-9").count() == 1

    again = system.post(f"{BASE}/", {"kind": "customs_declarations", "file": csv_upload(day)}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == batch_id
    assert Declaration.objects.count() == 1


@pytest.mark.django_db
def test_reports_templates_and_refusals():
    institution, filer, _reviewer = declarant()
    other, other_filer, _ = declarant()
    batch = BatchFiling.objects.create(
        kind="customs_declarations", uploaded_by=filer, institution=institution, file="batches/x.dat",
        stored_name="x.dat", original_name="x.csv", sha256="3" * 64, size=10, status="failed",
        errors=[{"line": 2, "column": "hs_code", "value": "=1+1", "message": "Unknown subheading."}],
    )  # fmt: skip
    system = client_for(filer, institution)
    report = system.get(f"{BASE}/{batch.pk}/errors/")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(text_of(report))))
    assert rows[0] == ["Line", "Column", "Value", "Message"]
    assert rows[1] == ["2", "hs_code", "'=1+1", "Unknown subheading."]  # a formula is neutralised
    assert system.get(f"{BASE}/{batch.pk}/errors/", {"format": "xlsx"}).status_code == 200
    assert system.get(f"{BASE}/{batch.pk}/errors/", {"format": "pdf"}).status_code == 400

    chinese = client_for(filer, institution, language="zh-hans")
    template = list(csv.reader(io.StringIO(text_of(chinese.get(f"{BASE}/templates/customs_declarations/")))))
    assert template[0][:3] == ["ref", "declarant", "line"]
    assert any(row[:2] == ["planned_date", "必填"] for row in template)
    assert chinese.get(f"{BASE}/templates/customs_declarations/", {"format": "xlsx"}).status_code == 200
    assert chinese.get(f"{BASE}/templates/nothing/").status_code == 404

    stranger = client_for(other_filer, other)
    assert stranger.get(f"{BASE}/{batch.pk}/").status_code == 404
    assert stranger.get(f"{BASE}/{batch.pk}/errors/").status_code == 404
    named = stranger.post(
        f"{BASE}/", {"kind": "customs_declarations", "institution": institution.pk}, format="multipart"
    )
    assert named.status_code == 404
    no_file = system.post(f"{BASE}/", {"kind": "customs_declarations"}, format="multipart")
    assert no_file.status_code == 400 and "file" in no_file.json()["errors"]
    unknown = system.post(f"{BASE}/", {"kind": "fish", "file": csv_upload("2030-01-01")}, format="multipart")
    assert unknown.status_code == 400 and "kind" in unknown.json()["errors"]


def test_the_error_reports_columns_name_the_files_line_not_a_customs_line():
    from django.utils import translation

    from hetao.api.batches import ERROR_REPORT_HEADER

    with translation.override("zh-hans"):
        assert [str(label) for label in ERROR_REPORT_HEADER] == ["行号", "列", "单元格内容", "说明"]
    with translation.override("zh-hant"):
        assert [str(label) for label in ERROR_REPORT_HEADER] == ["行號", "欄", "儲存格內容", "說明"]
