"""Following a batch on its page: the progress panel is a fragment the page polls with htmx while
the batch runs, scoped exactly like the page; and who files for whom — an institution's members for
one of their own institutions, zone staff who may for the declarant each row names."""

import time
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from customs.models import Declaration
from hetao.batches.engine import PROGRESS_KEY
from hetao.batches.services import batch_institution
from hetao.errors import NotAllowed
from hetao.models import BatchFiling
from hetao.principal import Principal
from hetao.roles import FUND_OFFICER
from tests.factories import StaffUserFactory
from tests.zone.whitelist_helpers import make_institution, make_member
from zone.models import Membership

from .declaration_helpers import checkpoint, declarant, officer

HEADER = (
    "ref,declarant,line,direction,checkpoint,planned_date,transport_mode,"
    "hs_code,description,quantity,unit,value,currency,origin,category,permit_reference"
)
POLLING = ('hx-trigger="every 2s"', 'hx-swap="outerHTML"')


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_batch(institution, user, **fields) -> BatchFiling:
    values = {
        "kind": "customs_declarations",
        "uploaded_by": user,
        "institution": institution,
        "file": "batches/progress.dat",
        "stored_name": "progress.dat",
        "original_name": "rows.csv",
        "sha256": "7" * 64,
        "size": 10,
    }
    values.update(fields)
    return BatchFiling.objects.create(**values)


def row(ref: str, declarant_no: str, day: str) -> str:
    return (
        f"{ref},{declarant_no},first,into_park,HT-FL-CARGO,{day},vehicle,"
        "902720,Gas chromatograph,2,pcs,150000,HKD,DE,instrument,"
    )


def csv_file(rows: list[str], name: str = "declarations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode(), content_type="text/csv")


def finished(batch: BatchFiling, timeout: float = 30) -> BatchFiling:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status not in ("queued", "validating", "importing"):
            return batch
        time.sleep(0.2)
    raise AssertionError(f"batch {batch.pk} still {batch.status} after {timeout} s")


@pytest.mark.django_db
def test_the_progress_fragment_polls_while_the_batch_runs_and_stops_with_its_outcome():
    institution, filer, _reviewer = declarant()
    batch = a_batch(institution, filer, status="importing", total_rows=40)
    cache.set(PROGRESS_KEY.format(id=batch.pk), 42)
    member = signed_in(filer)
    url = reverse("batch-progress", args=[batch.pk])
    assert url == f"/batches/{batch.pk}/progress/"

    running = member.get(url, headers={"HX-Request": "true"})
    assert running.status_code == 200
    html = running.content.decode()
    assert "<html" not in html and "<body" not in html  # the panel alone, not a page
    assert f'hx-get="{url}"' in html and all(attribute in html for attribute in POLLING)
    assert '<progress id="batch-progress" class="w-100 mb-2" value="42" max="100">' in html
    assert "Importing" in html and "40" in html

    BatchFiling.objects.filter(pk=batch.pk).update(
        status="partially_succeeded",
        ok_rows=39,
        failed_rows=1,
        errors=[{"line": 7, "column": "hs_code", "value": "1", "message": "Unknown subheading."}],
    )
    done = member.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-get" not in done and "hx-trigger" not in done  # the swapped-in panel polls no more
    assert 'value="100"' in done and "Partially succeeded" in done and "Finished: the valid rows are filed" in done
    assert "Unknown subheading." in done and f"/api/v1/batches/{batch.pk}/errors/" in done  # the report, in place


@pytest.mark.django_db
def test_the_progress_fragment_is_scoped_like_the_page():
    institution, filer, _reviewer = declarant()
    batch = a_batch(institution, filer, status="validating")
    progress, detail = reverse("batch-progress", args=[batch.pk]), reverse("batch", args=[batch.pk])

    _other, other_filer, _ = declarant()
    stranger = signed_in(other_filer)
    assert stranger.get(progress).status_code == 404
    assert stranger.get(progress, headers={"HX-Request": "true"}).status_code == 404
    assert stranger.get(detail).status_code == 404
    # Zone staff see it with the batches' view permission, as on the page; without it, nothing.
    assert signed_in(StaffUserFactory(role=FUND_OFFICER)).get(progress).status_code == 404
    assert signed_in(officer()).get(progress).status_code == 200
    assert signed_in(make_member(institution, Membership.Role.VIEWER)).get(progress).status_code == 200

    anonymous = Client().get(progress)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('login')}?next={detail}"  # back to the page, not the panel
    # Signed out while the page polls: htmx is told to take the whole page to the sign-in.
    polled = Client().get(progress, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and polled.content == b""
    assert polled["HX-Redirect"] == f"{reverse('login')}?next={detail}"


@pytest.mark.django_db
def test_the_detail_page_loads_htmx_from_our_origin_and_refreshes_only_without_script():
    institution, filer, _reviewer = declarant()
    batch = a_batch(institution, filer, status="queued")
    member = signed_in(filer)
    html = member.get(reverse("batch", args=[batch.pk])).content.decode()
    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert finders.find("vendor/htmx/htmx.min.js") and finders.find("vendor/htmx/LICENSE")
    assert '<meta name="htmx-config"' in html and '"includeIndicatorStyles":false' in html  # no inline style
    assert "<script>" not in html  # the CSP allows no inline script
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert f'hx-get="{reverse("batch-progress", args=[batch.pk])}"' in html
    assert all(attribute in html for attribute in POLLING)

    BatchFiling.objects.filter(pk=batch.pk).update(status="succeeded", total_rows=2, ok_rows=2)
    done = member.get(reverse("batch", args=[batch.pk])).content.decode()
    assert "refresh" not in done and "hx-trigger" not in done and "Finished: every row is filed." in done


@pytest.mark.django_db
def test_members_file_only_for_their_own_institutions_and_staff_only_with_the_permission():
    first, filer, _reviewer = declarant()
    second = make_institution()
    Membership.objects.create(user=filer, institution=second, role=Membership.Role.FILER)
    watched = make_institution()
    Membership.objects.create(user=filer, institution=watched, role=Membership.Role.VIEWER)
    elsewhere = make_institution()
    member = Principal(user=filer)

    # A member of several institutions chooses one in which it files, and never another.
    page = signed_in(filer).get(reverse("batches"))
    assert set(page.context["form"].fields["institution"].queryset) == {first, second}
    for institution in (watched, elsewhere):
        refused = signed_in(filer).post(
            reverse("batches"),
            {"institution": institution.pk, "kind": "customs_declarations", "mode": "all_or_nothing",
             "file": csv_file([row("PO-1", "", "2030-01-02")])},
        )  # fmt: skip
        assert refused.status_code == 200 and refused.context["form"].errors["institution"]
    assert not BatchFiling.objects.exists()
    assert batch_institution(principal=member, institution_id=second.pk) == second
    with pytest.raises(ValidationError):
        batch_institution(principal=member)  # two institutions: name one
    with pytest.raises(NotAllowed):
        batch_institution(principal=member, institution_id=watched.pk)  # a viewer there
    with pytest.raises(Http404):
        batch_institution(principal=member, institution_id=elsewhere.pk)
    only = make_member(elsewhere, Membership.Role.OWNER)
    assert batch_institution(principal=Principal(user=only)) == elsewhere

    # Zone staff: with the permission, no institution (each row names its declarant) or the one named.
    customs = officer()
    assert batch_institution(principal=Principal(user=customs)) is None
    assert batch_institution(principal=Principal(user=customs), institution_id=second.pk) == second
    staff_page = signed_in(customs).get(reverse("batches")).content.decode()
    assert 'name="institution"' not in staff_page and "File the batch" in staff_page
    assert "in the declarant column: the column is required in your files" in staff_page
    # Without it (a fund officer), no form, and the service refuses.
    funds = StaffUserFactory(role=FUND_OFFICER)
    assert signed_in(funds).get(reverse("batches")).context["form"] is None
    with pytest.raises(NotAllowed):
        batch_institution(principal=Principal(user=funds))
    posted = signed_in(funds).post(
        reverse("batches"), {"kind": "customs_declarations", "mode": "all_or_nothing", "file": csv_file([])}
    )
    assert posted.status_code == 200 and not BatchFiling.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_viewer_and_files_for_a_members_only_filing_institution(api_client):
    institution, filer, _reviewer = declarant()
    viewer = make_member(institution, Membership.Role.VIEWER)
    api_client.force_login(viewer)
    refused = api_client.post(
        "/api/v1/batches/", {"kind": "customs_declarations", "file": csv_file([])}, format="multipart"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    assert not BatchFiling.objects.exists()

    api_client.force_login(filer)
    filed = api_client.post(
        "/api/v1/batches/", {"kind": "customs_declarations", "file": csv_file([])}, format="multipart"
    )
    assert filed.status_code == 201 and BatchFiling.objects.get().institution == institution


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_staff_file_a_batch_naming_the_declarant_per_row_and_members_always_file_for_themselves(celery_worker):
    first, first_filer, _reviewer = declarant()
    second, _second_filer, _ = declarant()
    checkpoint("HT-FL-CARGO")
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    customs = signed_in(officer())

    rows = [row("PO-1", first.registration_no, day), row("PO-2", second.registration_no, day)]
    filed = customs.post(
        reverse("batches"), {"kind": "customs_declarations", "mode": "all_or_nothing", "file": csv_file(rows)}
    )
    assert filed.status_code == 302, filed.content.decode()[:2000]
    batch = finished(BatchFiling.objects.get())
    assert batch.institution is None and batch.status == "succeeded", (batch.message, batch.errors)
    filed_for = dict(Declaration.objects.filter(batch=batch).values_list("reference", "institution_id"))
    assert filed_for == {"PO-1": first.pk, "PO-2": second.pk}
    panel = customs.get(reverse("batch-progress", args=[batch.pk])).content.decode()
    assert "Finished: every row is filed." in panel and "hx-trigger" not in panel

    # An institution's own upload is filed for it, whatever its declarant column says.
    own = signed_in(first_filer).post(
        reverse("batches"),
        {"institution": first.pk, "kind": "customs_declarations", "mode": "all_or_nothing",
         "file": csv_file([row("PO-3", second.registration_no, day)], name="own.csv")},
    )  # fmt: skip
    assert own.status_code == 302
    mine = finished(BatchFiling.objects.exclude(pk=batch.pk).get())
    assert mine.institution == first and mine.status == "succeeded", (mine.message, mine.errors)
    assert list(Declaration.objects.filter(batch=mine).values_list("institution_id", flat=True)) == [first.pk]
