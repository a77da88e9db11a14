"""The browser pages of registered persons and data export filings, walked through their forms as
an institution's filer and a zone reviewer would: every step posts the page's form, changes the
record through the service and leads to a page that says what happened."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.api_objects import data_whitelisted, export_values
from zone import services
from zone.models import DataExportFiling, NegativeListEntry, PersonStatus, RegisteredPerson

from .people_helpers import passport_number, whitelisted
from .whitelist_helpers import make_institution, make_member, make_reviewer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_form(institution, number, **changes) -> dict:
    today = timezone.localdate()
    form = {
        "institution": institution.pk,
        "name_en": "Chan Tai Man",
        "name_zh": "陳大文",
        "document_type": "passport",
        "document_number": number,
        "nationality": "GB",
        "position": "Postdoctoral fellow",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        "designated_carrier": "on",
    }
    form.update(changes)
    return form


def followed(client, response):
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page, page.content.decode()


def test_a_filer_registers_a_person_and_a_reviewer_approves_then_suspends_through_the_pages():
    institution, filer, reviewer, _entry = whitelisted()
    member = signed_in(filer)
    number = passport_number()

    listing = member.get(reverse("people-list"))
    assert listing.status_code == 200
    assert reverse("people-new") in listing.content.decode()
    new = member.get(reverse("people-new"))
    assert new.status_code == 200
    assert "Register a person" in new.content.decode()

    # A bad number comes back next to its field, nothing saved, and the number is not echoed.
    bad = member.post(reverse("people-new"), person_form(institution, "12"))
    assert bad.status_code == 200
    assert bad.context["form"].errors["document_number"]
    assert not RegisteredPerson.objects.exists()

    page, html = followed(member, member.post(reverse("people-new"), person_form(institution, number)))
    person = RegisteredPerson.objects.get()
    assert person.status == PersonStatus.DRAFT and person.designated_carrier
    assert page.context["person"] == person
    assert "The registration is saved as a draft" in html
    assert person.masked_document in html and number not in html
    assert reverse("people-edit", args=[person.pk]) in html

    edit = member.get(reverse("people-edit", args=[person.pk]))
    assert edit.status_code == 200
    assert "Edit the registration of Chan Tai Man" in edit.content.decode()
    assert number not in edit.content.decode()
    changed = person_form(institution, "", position="Laboratory manager")
    changed.pop("institution")
    _page, html = followed(member, member.post(reverse("people-edit", args=[person.pk]), changed))
    person.refresh_from_db()
    assert person.position == "Laboratory manager"
    assert person.masked_document.endswith(number[-4:])  # an empty number keeps the stored one

    _page, html = followed(member, member.post(reverse("people-submit", args=[person.pk])))
    person.refresh_from_db()
    assert person.status == PersonStatus.SUBMITTED
    assert "The registration is submitted" in html

    staff = signed_in(reviewer)
    queue = staff.get(reverse("staff-people-queue"))
    assert queue.status_code == 200 and person.name_en in queue.content.decode()
    detail = staff.get(reverse("staff-people-detail", args=[person.pk]))
    assert detail.status_code == 200 and detail.context["person"] == person
    assert reverse("staff-people-approve", args=[person.pk]) in detail.content.decode()

    _page, html = followed(staff, staff.post(reverse("staff-people-approve", args=[person.pk]), {"note": "Fine."}))
    person.refresh_from_db()
    assert person.status == PersonStatus.APPROVED
    assert "The registration is approved" in html

    # A suspension needs its reason: without one the page answers with the error, nothing changes.
    missing = staff.post(reverse("staff-people-suspend", args=[person.pk]), {"reason": ""})
    assert missing.status_code == 200
    person.refresh_from_db()
    assert person.status == PersonStatus.APPROVED
    _page, html = followed(
        staff, staff.post(reverse("staff-people-suspend", args=[person.pk]), {"reason": "Left the institution."})
    )
    person.refresh_from_db()
    assert person.status == PersonStatus.SUSPENDED

    # The institution reads the outcome on its own page.
    mine = member.get(reverse("people-detail", args=[person.pk]))
    assert mine.status_code == 200 and mine.context["person"] == person
    assert "Left the institution." in mine.content.decode()
    # Another institution's member does not see the person at all.
    other = signed_in(make_member(make_institution(), "filer"))
    assert other.get(reverse("people-detail", args=[person.pk])).status_code == 404


def test_registering_without_the_personnel_scope_leads_to_the_whitelist():
    institution, filer, _reviewer, _entry = whitelisted(scopes=("goods",))
    member = signed_in(filer)
    page = member.get(reverse("people-new"))
    assert page.status_code == 200
    html = page.content.decode()
    assert institution.name in html
    assert reverse("whitelist-application-new") in html
    assert member.post(reverse("people-new"), person_form(institution, passport_number())).status_code == 200
    assert not RegisteredPerson.objects.exists()


def filing_form(institution, **changes) -> dict:
    values = export_values(**changes)
    form = {"institution": institution.pk}
    for name, value in values.items():
        form[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return form


def test_a_filer_files_a_data_export_and_an_assessor_decides_it_through_the_pages():
    NegativeListEntry.objects.all().delete()
    reviewer = make_reviewer()
    services.negative_list_entry_save(
        instance=NegativeListEntry(
            category="human_genetic", outcome="assessment", name_en="Genetic data needs an assessment."
        ),
        actor=reviewer,
    )
    institution = make_institution()
    filer = make_member(institution, "filer")
    data_whitelisted(institution)
    member = signed_in(filer)

    assert member.get(reverse("data-exports")).status_code == 200
    assert member.get(reverse("data-export-new")).status_code == 200
    body = filing_form(institution, categories=["human_genetic"], person_count=300, destination="abroad")
    body["destination_country"] = "DE"

    # The check says what the list would decide and saves nothing.
    precheck = member.post(reverse("data-export-new"), {**body, "precheck": "1"})
    assert precheck.status_code == 200
    assert "Genetic data needs an assessment." in precheck.content.decode()
    assert not DataExportFiling.objects.exists()

    # A period that ends before it starts comes back with the error, nothing saved.
    backwards = {**body, "period_end": (timezone.localdate() - timedelta(days=1)).isoformat()}
    assert member.post(reverse("data-export-new"), backwards).status_code == 200
    assert not DataExportFiling.objects.exists()

    _page, html = followed(member, member.post(reverse("data-export-new"), body))
    filing = DataExportFiling.objects.get()
    assert filing.status == "draft" and filing.destination_country.code == "DE"
    edit = member.get(reverse("data-export-edit", args=[filing.pk]))
    assert edit.status_code == 200
    _page, html = followed(member, member.post(reverse("data-export-submit", args=[filing.pk])))
    filing.refresh_from_db()
    assert filing.status == "submitted" and filing.outcome == "assessment"
    assert "Genetic data needs an assessment." in html

    staff = signed_in(reviewer)
    queue = staff.get(reverse("staff-data-exports"))
    assert queue.status_code == 200 and filing.title in queue.content.decode()
    assert staff.get(reverse("staff-data-export", args=[filing.pk])).status_code == 200
    # Approving before the assessment is refused with the reason, and nothing changes.
    _page, html = followed(staff, staff.post(reverse("staff-data-export-approve", args=[filing.pk]), {}))
    filing.refresh_from_db()
    assert filing.status == "submitted"
    assert "take it under assessment before you approve it" in html
    _page, html = followed(staff, staff.post(reverse("staff-data-export-assess", args=[filing.pk])))
    filing.refresh_from_db()
    assert filing.status == "under_assessment" and filing.reviewer == reviewer
    _page, html = followed(staff, staff.post(reverse("staff-data-export-approve", args=[filing.pk]), {"note": "OK"}))
    filing.refresh_from_db()
    assert filing.status == "approved"
    assert filing.number.startswith("HTDX-") and filing.number in html

    mine = member.get(reverse("data-export", args=[filing.pk]))
    assert mine.status_code == 200 and filing.number in mine.content.decode()


def test_staff_keep_the_negative_list_through_its_editor():
    reviewer = make_reviewer()
    staff = signed_in(reviewer)
    assert staff.get(reverse("staff-data-export-negative-list")).status_code == 200
    assert staff.get(reverse("staff-data-export-negative-list-new")).status_code == 200
    incomplete = staff.post(
        reverse("staff-data-export-negative-list-new"),
        {"category": "important", "outcome": "refused", "destinations": "any", "name_en": ""},
    )
    assert incomplete.status_code == 200
    assert not NegativeListEntry.objects.filter(category="important", outcome="refused").exists()
    followed(
        staff,
        staff.post(
            reverse("staff-data-export-negative-list-new"),
            {
                "category": "important",
                "outcome": "refused",
                "destinations": "any",
                "name_en": "Important data stays.",
                "name_zh_hans": "重要数据不出境。",
                "name_zh_hant": "重要數據不出境。",
                "active": "on",
            },
        ),
    )
    entry = NegativeListEntry.objects.get(category="important", outcome="refused")
    assert entry.active and entry.name_zh_hans == "重要数据不出境。"
    followed(staff, staff.post(reverse("staff-data-export-negative-list-active", args=[entry.pk]), {"active": "0"}))
    entry.refresh_from_db()
    assert not entry.active
    # An institution's member may not open the editor.
    member = signed_in(make_member(make_institution(), "owner"))
    assert member.get(reverse("staff-data-export-negative-list")).status_code in (403, 404)
