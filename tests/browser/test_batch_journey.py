"""A batch in a real browser: a filer uploads a small CSV of declarations and watches its page — the
progress panel polls while the worker imports it and shows the outcome, without the page reloading."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import expect

from customs.models import Declaration
from hetao.models import BatchFiling
from tests.customs.declaration_helpers import checkpoint, declarant
from tests.factories import PASSWORD

from .pages import field, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

HEADER = (
    "ref,line,direction,checkpoint,planned_date,transport_mode,"
    "hs_code,description,quantity,unit,value,currency,origin,category,permit_reference"
)


def test_a_filer_uploads_a_csv_and_watches_the_progress_reach_the_outcome(person, celery_worker):
    _institution, filer, _reviewer = declarant()
    checkpoint("HT-FL-CARGO")
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    rows = [
        HEADER,
        f"PO-7,first,into_park,HT-FL-CARGO,{day},vehicle,902720,Gas chromatograph,2,pcs,150000,HKD,DE,instrument,",
    ]

    page = person()
    page.goto("/accounts/login/?next=/batches/")
    sign_in(page, filer.username, PASSWORD)
    expect(page.get_by_role("heading", name="Batch filings", exact=True)).to_be_visible()
    field(page, "Mode").select_option("all_or_nothing")
    field(page, "CSV or XLSX file").set_input_files(
        {"name": "declarations.csv", "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}
    )
    polls = []
    page.on("request", lambda request: polls.append(request.url) if "/progress/" in request.url else None)

    # The worker waits to write the declarations while this transaction holds their table, so the
    # page is seen running before it is seen finished.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE customs_declaration IN SHARE MODE")
        page.get_by_role("button", name="File the batch").click()
        expect(page).to_have_url(re.compile(r"/batches/\d+/$"))
        page.evaluate("window.__samePage = true")
        panel = page.locator("#batch-progress-panel")
        expect(panel).to_contain_text("Importing")
        expect(panel).to_have_attribute("hx-trigger", "every 2s")
        with page.expect_request(re.compile(r"/batches/\d+/progress/$")):
            pass  # the panel asks for itself again while the batch runs
        expect(panel).to_contain_text("Importing")
        assert page.locator("#batch-progress").get_attribute("value") != "100"

    expect(panel).to_contain_text("Finished: every row is filed.")
    expect(page.locator("#batch-progress")).to_have_attribute("value", "100")
    assert panel.get_attribute("hx-trigger") is None  # it polls no more
    assert page.evaluate("window.__samePage") is True  # swapped in place: the page never reloaded
    assert polls and all(url.endswith(f"/batches/{BatchFiling.objects.get().pk}/progress/") for url in polls)
    assert Declaration.objects.filter(reference="PO-7", batch=BatchFiling.objects.get()).count() == 1
