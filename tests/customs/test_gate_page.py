"""The gate page: a checkpoint officer scans a release slip, the passage is recorded once, and a
second scan says when the goods already crossed."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from customs.models import GatePassage

from .declaration_helpers import declarant, officer, released

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_an_officer_records_a_passage_by_the_slip_and_a_second_scan_is_refused():
    institution, filer, _reviewer = declarant()
    customs = officer()
    declaration = released(institution, filer, customs)
    client = Client()
    client.force_login(customs)
    url = reverse("staff-customs-gate")

    assert client.get(url).status_code == 200
    scan = {
        "checkpoint": declaration.checkpoint.pk,
        "slip_number": declaration.slip_number.lower(),
        "vehicle_plate": "zb1234",
    }
    answer = client.post(url, scan)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    passage = GatePassage.objects.get()
    assert passage.vehicle_plate == "ZB1234" and passage.officer == customs
    page = client.get(answer["Location"])
    assert page.status_code == 200 and "PASSED" in page.content.decode()
    assert declaration.number in page.content.decode()

    again = client.post(url, scan)
    assert again.status_code == 200
    assert "This slip has already passed: at HT-FL-CARGO" in again.content.decode()
    assert GatePassage.objects.count() == 1

    member = Client()
    member.force_login(filer)
    assert member.get(url).status_code == 403


def test_the_release_slip_and_its_qr_code_are_on_the_declaration_pages_and_late_releases_in_the_queue():
    from datetime import timedelta

    from django.utils import timezone

    from customs.models import Declaration

    institution, filer, _reviewer = declarant()
    customs = officer()
    declaration = released(institution, filer, customs)
    member = Client()
    member.force_login(filer)
    page = member.get(reverse("customs-declaration", args=[declaration.pk])).content.decode()
    assert declaration.slip_number in page and 'src="data:image/svg+xml' in page

    staff = Client()
    staff.force_login(customs)
    queue = reverse("staff-customs-declarations")
    assert "not crossed after" not in staff.get(queue).content.decode()
    Declaration.objects.filter(pk=declaration.pk).update(decided_at=timezone.now() - timedelta(days=5))
    late = staff.get(queue).content.decode()
    assert "Released, not crossed after 3 days" in late and declaration.number in late


def test_stock_is_exported_as_csv_by_its_institution_and_by_the_officers():
    institution, filer, _reviewer = declarant()
    other, other_filer, _ = declarant()
    customs = officer()
    released(institution, filer, customs)
    released(other, other_filer, customs)
    member = Client()
    member.force_login(filer)
    answer = member.get(reverse("customs-stock-export", args=["csv"]))
    own = b"".join(answer.streaming_content).decode("utf-8-sig")
    assert institution.registration_no in own and other.registration_no not in own
    assert "902720" in own
    staff = Client()
    staff.force_login(customs)
    every = staff.get(reverse("staff-customs-stock-export", args=["xlsx"]))
    assert every.status_code == 200 and every["Content-Type"].startswith("application/vnd.openxmlformats")
    assert staff.get(reverse("staff-customs-stock-export", args=["pdf"])).status_code == 404
