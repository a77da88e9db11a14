"""The browser pages of whitelist filing: registration, invitations, the institution portal,
the staff review pages and the public verification, driven through their forms."""

import html
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hetao import roles
from hetao import services as account_services
from hetao.models import Notification, User
from zone import services
from zone.models import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStatus,
    EntryStatus,
    Institution,
    Invitation,
    Membership,
    WhitelistApplication,
    WhitelistEntry,
)

from .whitelist_helpers import (
    application_under_review,
    make_institution,
    make_member,
    make_reviewer,
    pdf_upload,
    submitted_application,
    valid_uscc,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def registration_data(**changes) -> dict:
    data = {
        "name_en": "Qianhai Quantum Laboratory",
        "name_zh_hans": "前海量子实验室",
        "name_zh_hant": "前海量子實驗室",
        "kind": Institution.Kind.LABORATORY,
        "jurisdiction": "mainland",
        "registration_type": Institution.RegistrationType.USCC,
        "registration_no": valid_uscc(700001),
        "username": "qlab-owner",
        "email": "owner@qlab.example.cn",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "en",
    }
    data.update(changes)
    return data


def link_path(message, prefix: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(prefix)}\S+)", message.body)
    assert match, message.body
    return match.group(1)


def draft(institution=None, filer=None, **fields):
    institution = institution or make_institution()
    filer = filer or make_member(institution, Membership.Role.FILER)
    application = services.application_create(
        institution=institution,
        actor=filer,
        requested_scopes=fields.pop("requested_scopes", ["goods"]),
        research_fields="Quantum sensing",
        justification=fields.pop("justification", "Instruments cross the first line."),
        **fields,
    )
    return application, filer


def approve_form(**changes) -> dict:
    data = {"scopes": ["goods"], "valid_from": timezone.localdate().isoformat(), "valid_until": "", "note": ""}
    data.update(changes)
    return data


# --- the whole workflow -------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_institution_registers_files_is_reviewed_and_gets_its_filing_number_through_the_pages(client, worker_outbox):
    # Registration has the worker send a confirmation e-mail after commit; the account waits for it.
    response = client.post("/register/", registration_data())
    assert response.status_code == 302
    assert response["Location"] == "/register/sent/"
    assert "Check your e-mail" in text(client.get("/register/sent/"))
    institution = Institution.objects.get(name_en="Qianhai Quantum Laboratory")
    owner = User.objects.get(username="qlab-owner")
    assert owner.is_active is False
    assert Membership.objects.get(user=owner, institution=institution).role == Membership.Role.OWNER
    (confirmation,) = worker_outbox(wait_for=1)
    assert confirmation.to == ["owner@qlab.example.cn"]

    # The link activates the account and leads to the sign-in page.
    response = client.get(link_path(confirmation, "/accounts/confirm/"), follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert "your account is active" in text(response)
    owner.refresh_from_db()
    assert owner.is_active is True

    response = client.post("/accounts/login/", {"username": "qlab-owner", "password": PASSWORD})
    assert response.status_code == 302

    # A draft, a document, and the submission.
    response = client.post(
        "/whitelist/applications/new/",
        {
            "institution": institution.pk,
            "kind": "new",
            "requested_scopes": ["goods", "research_funds"],
            "research_fields": "Quantum sensing",
            "justification": "Dilution refrigerators and samples cross the first line.",
        },
    )
    application = WhitelistApplication.objects.get(institution=institution)
    assert response.status_code == 302
    assert response["Location"] == f"/whitelist/applications/{application.pk}/"
    assert application.status == ApplicationStatus.DRAFT
    assert application.requested_scopes == ["goods", "research_funds"]

    response = client.post(
        f"/whitelist/applications/{application.pk}/documents/", {"kind": "research_plan", "file": pdf_upload()}
    )
    assert response.status_code == 302
    document = ApplicationDocument.objects.get(application=application)
    assert document.content_type == "application/pdf"
    assert document.original_name == "plan.pdf"

    response = client.post(f"/whitelist/applications/{application.pk}/submit/", follow=True)
    assert "The application is submitted" in text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    # A reviewer takes it and asks for changes.
    reviewer = make_reviewer()
    staff = signed_in(reviewer)
    queue = text(staff.get("/staff/whitelist/"))
    assert f"/staff/whitelist/applications/{application.pk}/" in queue
    response = staff.post(f"/staff/whitelist/applications/{application.pk}/assign/", {"reviewer": reviewer.pk})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.reviewer) == (ApplicationStatus.UNDER_REVIEW, reviewer)

    response = staff.post(
        f"/staff/whitelist/applications/{application.pk}/request-changes/",
        {"message": "Please list the instruments and their HS codes."},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED

    # The applicant reads the request, edits and submits again.
    page = text(client.get(f"/whitelist/applications/{application.pk}/"))
    assert "Please list the instruments and their HS codes." in page
    assert "Submit again" in page
    response = client.post(
        f"/whitelist/applications/{application.pk}/edit/",
        {
            "kind": "new",
            "requested_scopes": ["goods", "research_funds"],
            "research_fields": "Quantum sensing",
            "justification": "Instruments: dilution refrigerator (HS 8418.69), lasers (HS 9013.20).",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.justification.startswith("Instruments: dilution refrigerator")
    client.post(f"/whitelist/applications/{application.pk}/submit/")
    application.refresh_from_db()
    # The resubmission is back with its reviewer, who approves with the requested scopes at once.
    assert (application.status, application.reviewer) == (ApplicationStatus.UNDER_REVIEW, reviewer)
    response = staff.post(
        f"/staff/whitelist/applications/{application.pk}/approve/",
        approve_form(scopes=["goods", "research_funds"]),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    entry = WhitelistEntry.objects.get(institution=institution)
    assert entry.status == EntryStatus.ACTIVE
    assert entry.scopes == ["goods", "research_funds"]
    assert entry.valid_until == services.default_valid_until(timezone.localdate())
    assert [step.action for step in application.steps.all()] == [
        "create",
        "submit",
        "assign",
        "request_changes",
        "submit",
        "approve",
    ]

    page = text(client.get(f"/whitelist/applications/{application.pk}/"))
    assert entry.filing_no in page
    assert "Approved." in page
    assert entry.filing_no in text(client.get(f"/institutions/{institution.pk}/"))


def test_a_rejected_application_shows_the_reason_to_the_applicant():
    application, filer, reviewer = application_under_review()
    staff = signed_in(reviewer)

    response = staff.post(
        f"/staff/whitelist/applications/{application.pk}/reject/", {"reason": "The institution is outside the zone."}
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "The institution is outside the zone."
    assert not WhitelistEntry.objects.filter(institution=application.institution).exists()
    page = text(signed_in(filer).get(f"/whitelist/applications/{application.pk}/"))
    assert "The institution is outside the zone." in page
    assert f'action="/whitelist/applications/{application.pk}/submit/"' not in page


def test_a_rejection_without_a_reason_is_refused_on_the_page():
    application, _filer, reviewer = application_under_review()

    response = signed_in(reviewer).post(f"/staff/whitelist/applications/{application.pk}/reject/", {"reason": " "})

    assert response.status_code == 200
    assert "This field is required." in text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_submitting_an_incomplete_application_lists_what_is_missing():
    application, filer = draft(justification="")

    response = signed_in(filer).post(f"/whitelist/applications/{application.pk}/submit/", follow=True)

    page = text(response)
    assert "Explain why the institution needs the whitelist filing." in page
    assert "Attach at least one document" in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_an_applicant_withdraws_after_a_confirmation_with_a_reason():
    application, filer = submitted_application()
    client = signed_in(filer)

    assert "Withdraw the application" in text(client.get(f"/whitelist/applications/{application.pk}/withdraw/"))
    response = client.post(f"/whitelist/applications/{application.pk}/withdraw/", {"reason": "Filed by mistake"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.steps.last().note == "Filed by mistake"


# --- registration -------------------------------------------------------------------------------


def test_registration_with_a_corrupted_uscc_shows_the_check_character_error_and_creates_nothing(client):
    good = valid_uscc(700002)
    corrupted = good[:-1] + ("0" if good[-1] != "0" else "1")

    response = client.post("/register/", registration_data(registration_no=corrupted))

    assert response.status_code == 200
    page = text(response)
    assert "its check character does not match (GB 32100-2015)" in page
    assert re.search(r'id="id_registration_no_error"', page)
    assert not Institution.objects.exists()
    assert not User.objects.filter(username="qlab-owner").exists()
    assert mail.outbox == []


def test_registering_an_institution_twice_is_refused_with_the_duplicate_message(client):
    existing = make_institution(registration_no=valid_uscc(700003))

    response = client.post(
        "/register/", registration_data(registration_no=existing.registration_no.lower(), username="second-owner")
    )

    assert response.status_code == 200
    assert "An institution with this registration number is already registered." in text(response)
    assert Institution.objects.count() == 1
    assert not User.objects.filter(username="second-owner").exists()


def test_registration_refuses_mismatched_passwords_and_a_taken_username(client):
    User.objects.create_user(username="taken", email="taken@example.org", password=PASSWORD)

    mismatch = client.post("/register/", registration_data(password2="another-long-password"))
    taken = client.post("/register/", registration_data(username="taken"))

    assert "The two password fields didn’t match." in text(mismatch)
    assert "A user with this username already exists." in text(taken)
    assert re.search(r'id="id_username_error"', text(taken))
    assert not Institution.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_tampered_confirmation_link_shows_a_clear_page_and_activates_nothing(client, worker_outbox):
    client.post("/register/", registration_data())
    path = link_path(worker_outbox(wait_for=1)[0], "/accounts/confirm/")

    response = client.get(path[:-3] + "xx/")

    assert response.status_code == 400
    assert "This confirmation link is not valid" in text(response)
    assert User.objects.get(username="qlab-owner").is_active is False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_confirmation_e_mail_is_written_in_the_owners_language(client, worker_outbox):
    client.post("/register/", registration_data(language="zh-hant"))

    assert User.objects.get(username="qlab-owner").language == "zh-hant"
    (confirmation,) = worker_outbox(wait_for=1)
    assert "/accounts/confirm/" in confirmation.body
    assert "確認" in confirmation.subject


# --- invitations --------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_owner_invites_and_the_invited_person_creates_an_account_and_joins_in_the_role(worker_outbox):
    institution = make_institution()
    owner = make_member(institution, Membership.Role.OWNER)

    response = signed_in(owner).post(
        f"/institutions/{institution.pk}/", {"email": "New.Colleague@Example.org", "role": "viewer"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(institution=institution)
    assert invitation.email == "new.colleague@example.org"
    (sent,) = worker_outbox(wait_for=1)
    assert sent.to == ["new.colleague@example.org"]
    path = link_path(sent, "/invitations/")

    visitor = Client()
    landing = text(visitor.get(path))
    assert institution.name_en in landing
    assert f'href="/accounts/login/?next={path.replace("/", "%2F")}"' in landing
    response = visitor.post(
        path, {"username": "colleague", "password1": PASSWORD, "password2": PASSWORD, "language": "zh-hans"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/institutions/{institution.pk}/"
    user = User.objects.get(username="colleague")
    assert (user.email, user.is_active, user.language) == ("new.colleague@example.org", True, "zh-hans")
    assert Membership.objects.get(user=user, institution=institution).role == Membership.Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    assert visitor.get(f"/institutions/{institution.pk}/").status_code == 200


def test_a_signed_in_person_accepts_an_invitation_with_one_button():
    institution = make_institution()
    owner = make_member(institution, Membership.Role.OWNER)
    _invitation, secret = services.invitation_create(
        institution=institution, email="filer@example.org", role="filer", actor=owner
    )
    person = User.objects.create_user(username="person", email="filer@example.org", password=PASSWORD)
    client = signed_in(person)

    assert "Accept the invitation" in text(client.get(f"/invitations/{secret}/"))
    response = client.post(f"/invitations/{secret}/")

    assert response["Location"] == f"/institutions/{institution.pk}/"
    assert Membership.objects.get(user=person, institution=institution).role == Membership.Role.FILER


def test_a_used_or_unknown_invitation_shows_a_clear_page():
    institution = make_institution()
    owner = make_member(institution, Membership.Role.OWNER)
    _invitation, secret = services.invitation_create(
        institution=institution, email="x@example.org", role="filer", actor=owner
    )
    invited = make_member(make_institution())
    invited.email = "x@example.org"
    invited.save(update_fields=["email"])
    services.invitation_accept(secret=secret, user=invited)

    used = Client().get(f"/invitations/{secret}/")
    unknown = Client().get("/invitations/not-a-real-secret/")

    for response in (used, unknown):
        assert response.status_code == 404
        assert "This invitation cannot be used" in text(response)
    assert User.objects.filter(username="newcomer").count() == 0


def test_only_an_owner_sees_the_invitation_form_and_others_cannot_invite():
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    client = signed_in(filer)

    assert "Invite a member" not in text(client.get(f"/institutions/{institution.pk}/"))
    response = client.post(f"/institutions/{institution.pk}/", {"email": "x@example.org", "role": "owner"})

    assert response.status_code == 403
    assert not Invitation.objects.exists()


# --- documents ----------------------------------------------------------------------------------


def test_an_executable_renamed_to_pdf_is_refused_on_the_page_and_nothing_is_stored():
    application, filer = draft()
    executable = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "application/pdf")

    response = signed_in(filer).post(
        f"/whitelist/applications/{application.pk}/documents/", {"kind": "research_plan", "file": executable}
    )

    assert response.status_code == 200
    assert "Only PDF, PNG and JPEG documents are accepted" in text(response)
    assert 'id="id_file_error"' in text(response)
    assert not ApplicationDocument.objects.exists()


def test_a_document_downloads_as_an_attachment_with_its_recorded_type():
    application, filer = draft()
    document = services.document_add(
        application_id=application.pk, actor=filer, kind="research_plan", uploaded=pdf_upload("研究计划.pdf")
    )

    response = signed_in(filer).get(f"/whitelist/applications/{application.pk}/documents/{document.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_filer_removes_a_document_of_a_draft():
    application, filer = draft()
    document = services.document_add(application_id=application.pk, actor=filer, kind="other", uploaded=pdf_upload())

    response = signed_in(filer).post(f"/whitelist/applications/{application.pk}/documents/{document.pk}/delete/")

    assert response.status_code == 302
    assert not ApplicationDocument.objects.exists()


# --- roles and tenancy --------------------------------------------------------------------------


def test_a_viewer_sees_no_submit_button_and_a_submit_post_is_refused_and_changes_nothing():
    institution = make_institution()
    application, _filer = draft(institution)
    services.document_add(application_id=application.pk, actor=_filer, kind="research_plan", uploaded=pdf_upload())
    viewer = make_member(institution, Membership.Role.VIEWER)
    client = signed_in(viewer)

    page = text(client.get(f"/whitelist/applications/{application.pk}/"))
    response = client.post(f"/whitelist/applications/{application.pk}/submit/")

    assert f'action="/whitelist/applications/{application.pk}/submit/"' not in page
    assert f'href="/whitelist/applications/{application.pk}/edit/"' not in page
    assert f'action="/whitelist/applications/{application.pk}/documents/"' not in page
    assert "Instruments cross the first line." in page
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert client.get(f"/whitelist/applications/{application.pk}/edit/").status_code == 403
    assert client.get("/whitelist/applications/new/").status_code == 403


def test_a_member_of_one_institution_gets_404_for_another_institutions_pages():
    mine = make_institution()
    member = make_member(mine, Membership.Role.OWNER)
    theirs = make_institution()
    application, their_filer = draft(theirs)
    document = services.document_add(
        application_id=application.pk, actor=their_filer, kind="research_plan", uploaded=pdf_upload()
    )
    client = signed_in(member)

    for url in (
        f"/whitelist/applications/{application.pk}/",
        f"/whitelist/applications/{application.pk}/edit/",
        f"/whitelist/applications/{application.pk}/documents/{document.pk}/",
        f"/institutions/{theirs.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/whitelist/applications/{application.pk}/submit/").status_code == 404
    assert client.post(f"/whitelist/applications/{application.pk}/documents/{document.pk}/delete/").status_code == 404
    assert f"Application {application.pk}" not in text(client.get("/whitelist/applications/"))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT
    assert ApplicationDocument.objects.filter(pk=document.pk).exists()


def test_a_customs_officer_is_refused_the_whitelist_staff_pages():
    officer = account_services.user_create(
        username="officer", email="officer@hetao.example", password=PASSWORD, staff_role=roles.CUSTOMS_OFFICER
    )
    application, _filer = submitted_application()
    client = signed_in(officer)

    for url in (
        "/staff/whitelist/",
        "/staff/whitelist/export/csv/",
        f"/staff/whitelist/applications/{application.pk}/",
        "/staff/whitelist/entries/",
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/staff/whitelist/applications/{application.pk}/assign/", {"reviewer": officer.pk}).status_code
        == 403
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_anonymous_visitors_are_sent_to_sign_in_and_public_pages_stay_open():
    client = Client()
    for url in ("/whitelist/applications/", "/notifications/", "/staff/whitelist/", "/institutions/1/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")
    for url in ("/register/", "/whitelist/verify/"):
        assert client.get(url).status_code == 200, url


def test_a_reviewer_from_the_applying_institution_gets_no_decision_forms():
    application, _filer = submitted_application()
    insider = make_reviewer()
    Membership.objects.create(user=insider, institution=application.institution, role=Membership.Role.VIEWER)
    outsider = make_reviewer()
    services.application_assign(application_id=application.pk, reviewer=outsider, actor=outsider)

    page = text(signed_in(insider).get(f"/staff/whitelist/applications/{application.pk}/"))
    response = signed_in(insider).post(f"/staff/whitelist/applications/{application.pk}/approve/", approve_form())

    assert "A member of the applying institution cannot decide its application." in page
    assert f'action="/staff/whitelist/applications/{application.pk}/approve/"' not in page
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


# --- staff pages --------------------------------------------------------------------------------


def test_approving_twice_from_a_stale_page_shows_a_message_and_keeps_one_entry():
    application, _filer, reviewer = application_under_review()
    staff = signed_in(reviewer)
    url = f"/staff/whitelist/applications/{application.pk}/approve/"

    first = staff.post(url, approve_form())
    second = staff.post(url, approve_form(), follow=True)

    assert first.status_code == 302
    assert second.status_code == 200
    assert "You cannot approve an application that is approved." in text(second)
    assert WhitelistEntry.objects.filter(institution=application.institution).count() == 1
    assert application.steps.filter(action="approve").count() == 1


def test_approval_preselects_the_requested_scopes_and_the_standard_validity():
    application, _filer, reviewer = application_under_review()
    today = timezone.localdate()

    page = text(signed_in(reviewer).get(f"/staff/whitelist/applications/{application.pk}/"))

    for scope in application.requested_scopes:
        assert re.search(rf'<input type="checkbox" name="scopes" value="{scope}"[^>]*checked', page), scope
    assert re.search(r'<input type="checkbox" name="scopes" value="data"(?![^>]*checked)[^>]*>', page)
    assert f'value="{today.isoformat()}"' in page
    assert f'value="{services.default_valid_until(today).isoformat()}"' in page


def test_an_approval_ending_in_the_past_is_refused_on_the_field():
    application, _filer, reviewer = application_under_review()
    yesterday = timezone.localdate() - timedelta(days=1)

    response = signed_in(reviewer).post(
        f"/staff/whitelist/applications/{application.pk}/approve/",
        approve_form(valid_from=(yesterday - timedelta(days=30)).isoformat(), valid_until=yesterday.isoformat()),
    )

    assert response.status_code == 200
    assert "The end of validity must not be in the past." in text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_internal_comments_are_badged_for_staff_and_hidden_from_the_applicant():
    application, filer, reviewer = application_under_review()
    staff = signed_in(reviewer)
    staff.post(
        f"/staff/whitelist/applications/{application.pk}/comment/",
        {"body": "Check the lab licence with the district.", "visibility": "internal"},
    )
    staff.post(
        f"/staff/whitelist/applications/{application.pk}/comment/",
        {"body": "We received your documents.", "visibility": "applicant"},
    )

    staff_page = text(staff.get(f"/staff/whitelist/applications/{application.pk}/"))
    applicant_page = text(signed_in(filer).get(f"/whitelist/applications/{application.pk}/"))

    assert ApplicationComment.objects.filter(application=application).count() == 2
    assert "Check the lab licence with the district." in staff_page
    assert "zone-comment-internal" in staff_page
    assert "Check the lab licence with the district." not in applicant_page
    assert "We received your documents." in applicant_page


def test_the_review_queue_shows_open_applications_oldest_first_and_filters_mine():
    old, _ = submitted_application()
    WhitelistApplication.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=20))
    recent, _filer, reviewer = application_under_review()
    approved, _filer2, other = application_under_review()
    services.application_approve(application_id=approved.pk, actor=other)
    staff = signed_in(reviewer)

    default = text(staff.get("/staff/whitelist/"))
    mine = text(staff.get("/staff/whitelist/?filtered=1&assignee=me"))
    waiting = text(staff.get("/staff/whitelist/?filtered=1&status=submitted&status=under_review&older_than_days=10"))

    links = re.findall(r'href="/staff/whitelist/applications/(\d+)/"', default)
    assert links == [str(old.pk), str(recent.pk)]
    assert re.findall(r'href="/staff/whitelist/applications/(\d+)/"', mine) == [str(recent.pk)]
    assert re.findall(r'href="/staff/whitelist/applications/(\d+)/"', waiting) == [str(old.pk)]
    assert ">20<" in default


def test_the_review_queue_exports_the_filtered_rows_as_csv_and_xlsx():
    old, _ = submitted_application()
    reviewer = make_reviewer()
    staff = signed_in(reviewer)

    csv_response = staff.get("/staff/whitelist/export/csv/")
    xlsx_response = staff.get("/staff/whitelist/export/xlsx/?filtered=1&status=approved")

    body = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert csv_response.status_code == 200
    assert lines[0].startswith("Application,Institution,Registration number")
    assert len(lines) == 2 and lines[1].startswith(f"{old.pk},")
    assert xlsx_response.status_code == 200
    assert xlsx_response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_registry_suspends_with_a_reason_and_refuses_without_one():
    application, _filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    staff = signed_in(reviewer)

    page = text(staff.get("/staff/whitelist/entries/?status=active"))
    refused = staff.post(
        f"/staff/whitelist/entries/{entry.pk}/status/", {"action": "suspend", "reason": ""}, follow=True
    )
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE
    suspended = staff.post(
        f"/staff/whitelist/entries/{entry.pk}/status/",
        {"action": "suspend", "reason": "Licence under investigation", "next": "/staff/whitelist/entries/"},
    )

    assert entry.filing_no in page
    assert f'action="/staff/whitelist/entries/{entry.pk}/status/"' in page
    assert "was not changed" in text(refused)
    assert suspended.status_code == 302
    assert suspended["Location"] == "/staff/whitelist/entries/"
    entry.refresh_from_db()
    assert (entry.status, entry.status_reason) == (EntryStatus.SUSPENDED, "Licence under investigation")
    reinstated_twice = staff.post(
        f"/staff/whitelist/entries/{entry.pk}/status/", {"action": "suspend", "reason": "again"}, follow=True
    )
    assert "You cannot suspend a whitelist entry that is suspended." in text(reinstated_twice)


def test_the_registry_filters_by_institution_name_and_validity():
    first, _f, reviewer = application_under_review(make_institution(name_en="Alpha Biotech"))
    second, _g, _r = application_under_review(make_institution(name_en="Beta Photonics"))
    one = services.application_approve(application_id=first.pk, actor=reviewer)
    two = services.application_approve(application_id=second.pk, actor=_r)
    services.entry_suspend(entry_id=two.pk, actor=reviewer, reason="Audit")
    staff = signed_in(reviewer)

    by_name = text(staff.get("/staff/whitelist/entries/?q=alpha"))
    valid_today = text(staff.get(f"/staff/whitelist/entries/?valid_on={timezone.localdate().isoformat()}"))

    assert one.filing_no in by_name and two.filing_no not in by_name
    assert one.filing_no in valid_today and two.filing_no not in valid_today


def test_the_whitelist_page_lists_only_the_members_own_filings():
    mine, _filer, reviewer = application_under_review()
    theirs, _other, _reviewer2 = application_under_review()
    my_entry = services.application_approve(application_id=mine.pk, actor=reviewer)
    their_entry = services.application_approve(application_id=theirs.pk, actor=_reviewer2)
    owner = make_member(mine.institution, Membership.Role.OWNER)

    page = text(signed_in(owner).get("/whitelist/"))

    assert my_entry.filing_no in page
    assert their_entry.filing_no not in page


# --- public verification ------------------------------------------------------------------------


def test_the_public_verification_page_shows_only_validity_scopes_and_end_date():
    application, _filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer, scopes=["goods"])
    public = Client()

    valid = text(public.get(f"/whitelist/verify/?filing_no={entry.filing_no.lower()}"))
    services.entry_revoke(entry_id=entry.pk, actor=reviewer, reason="Misuse")
    revoked = text(public.get(f"/whitelist/verify/?filing_no={entry.filing_no}"))
    unknown = text(public.get("/whitelist/verify/?filing_no=HTWL-1999-000001"))
    malformed = text(public.get("/whitelist/verify/?filing_no=nonsense"))

    assert f"{entry.filing_no} is valid" in valid
    assert "Research goods" in valid
    assert entry.valid_until.isoformat() in valid
    assert application.institution.name_en not in valid
    assert f"{entry.filing_no} is not valid" in revoked
    assert "Misuse" not in revoked
    assert "HTWL-1999-000001 is not valid" in unknown
    assert "A filing number looks like HTWL-2025-000123." in malformed


# --- notifications ------------------------------------------------------------------------------


def test_notifications_show_a_decision_open_its_page_and_are_marked_read():
    application, filer, reviewer = application_under_review()
    signed_in(reviewer).post(f"/staff/whitelist/applications/{application.pk}/reject/", {"reason": "Outside scope"})
    notification = Notification.objects.get(user=filer, kind="application_rejected")
    client = signed_in(filer)

    listing = client.get("/notifications/")
    assert notification.subject in text(listing)
    assert "zone-unread" in text(listing)
    opened = client.get(f"/notifications/{notification.pk}/")

    assert opened.status_code == 302
    assert opened["Location"] == f"/whitelist/applications/{application.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "zone-unread" not in text(client.get("/notifications/"))


def test_mark_all_read_marks_only_the_users_own_notifications():
    application, filer, reviewer = application_under_review()
    services.application_request_changes(application_id=application.pk, actor=reviewer, message="More detail")
    other = make_member(make_institution())
    Notification.objects.create(user=other, kind="x", params={"_subject": "Someone else's"})

    response = signed_in(filer).post("/notifications/read-all/")

    assert response.status_code == 302
    assert not Notification.objects.filter(user=filer, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1
    assert signed_in(filer).get(f"/notifications/{Notification.objects.get(user=other).pk}/").status_code == 404


# --- languages ----------------------------------------------------------------------------------


def test_every_page_renders_in_traditional_chinese():
    institution = make_institution(name_zh_hant="河套量子實驗室")
    owner = make_member(institution, Membership.Role.OWNER)
    application, _filer, reviewer = application_under_review(institution)
    document = application.documents.first()
    services.comment_add(application_id=application.pk, actor=reviewer, body="內部備註", visibility="internal")
    other, _f2, _r2 = application_under_review()
    entry = services.application_approve(application_id=other.pk, actor=_r2)
    editable, _f3 = draft(institution, owner)
    _inv, secret = services.invitation_create(
        institution=institution, email="n@example.org", role="viewer", actor=owner
    )
    Notification.objects.create(
        user=owner, kind="x", params={"_subject": "通知"}, link=f"/whitelist/applications/{editable.pk}/"
    )

    pages = {
        Client(): [
            "/register/",
            "/register/sent/",
            f"/whitelist/verify/?filing_no={entry.filing_no}",
            f"/invitations/{secret}/",
            "/accounts/confirm/MQ/bad-token/",
        ],
        signed_in(owner): [
            f"/institutions/{institution.pk}/",
            "/whitelist/",
            "/whitelist/applications/",
            "/whitelist/applications/new/",
            f"/whitelist/applications/{application.pk}/",
            f"/whitelist/applications/{editable.pk}/",
            f"/whitelist/applications/{editable.pk}/edit/",
            f"/whitelist/applications/{editable.pk}/withdraw/",
            "/notifications/",
        ],
        signed_in(reviewer): [
            "/staff/whitelist/",
            f"/staff/whitelist/applications/{application.pk}/",
            f"/staff/whitelist/applications/{other.pk}/",
            "/staff/whitelist/entries/",
        ],
    }
    assert document is not None
    for client, urls in pages.items():
        client.cookies["django_language"] = "zh-hant"
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 400), url
            page = response.content.decode()
            assert '<html lang="zh-hant">' in page, url
            assert " style=" not in page and "<script>" not in page, url
    assert "河套量子實驗室" in signed_in_zh(owner).get(f"/institutions/{institution.pk}/").content.decode()


def signed_in_zh(user) -> Client:
    client = signed_in(user)
    client.cookies["django_language"] = "zh-hant"
    return client


def test_a_reviewers_dashboard_shows_the_waiting_applications_and_how_long_the_oldest_waited():
    application, _filer = submitted_application()
    WhitelistApplication.objects.filter(pk=application.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    reviewer = make_reviewer()

    page = text(signed_in(reviewer).get("/"))

    assert "Whitelist review queue" in page
    assert "1 waiting (0 assigned to you); the oldest has waited 9 days." in page
