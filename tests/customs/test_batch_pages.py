"""The batch pages: a filer files a file of declarations and follows it; the page follows the batch
while it runs (htmx polling, a refresh without script); a viewer follows without the form; another
institution sees nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hetao.models import BatchFiling
from tests.zone.whitelist_helpers import make_member
from zone.models import Membership

from .declaration_helpers import declarant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_filer_files_a_batch_through_the_page_and_follows_it():
    institution, filer, _reviewer = declarant()
    member = signed_in(filer)
    page = member.get(reverse("batches"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "File the batch" in html and reverse("batch-template", args=["customs_declarations"]) in html

    missing = member.post(reverse("batches"), {"institution": institution.pk, "kind": "customs_declarations"})
    assert missing.status_code == 200 and missing.context["form"].errors["file"]
    upload = SimpleUploadedFile("rows.csv", b"ref,line\nA,first\n", content_type="text/csv")
    filed = member.post(
        reverse("batches"),
        {"institution": institution.pk, "kind": "customs_declarations", "mode": "all_or_nothing", "file": upload},
    )
    assert filed.status_code == 302, filed.content.decode()[:2000]
    batch = BatchFiling.objects.get()
    assert batch.institution == institution and batch.status == "queued"
    detail = member.get(filed["Location"])
    assert detail.status_code == 200
    html = detail.content.decode()
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html  # follows the import by itself
    assert 'hx-trigger="every 2s"' in html

    BatchFiling.objects.filter(pk=batch.pk).update(
        status="failed", errors=[{"line": 2, "column": "hs_code", "value": "1", "message": "Unknown subheading."}]
    )
    done = member.get(reverse("batch", args=[batch.pk])).content.decode()
    assert "refresh" not in done and "Unknown subheading." in done

    viewer = signed_in(make_member(institution, Membership.Role.VIEWER))
    listing = viewer.get(reverse("batches"))
    assert listing.context["form"] is None and "rows.csv" in listing.content.decode()
    _other, other_filer, _ = declarant()
    assert signed_in(other_filer).get(reverse("batch", args=[batch.pk])).status_code == 404
