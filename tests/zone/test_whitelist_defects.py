"""What a first user and a second look found in the whitelist portal: one test per defect, each
failing before its fix."""

import re
import threading

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation

from hetao import roles
from hetao.models import Notification, User
from hetao.tasks import send_notification_email
from tests.factories import StaffUserFactory
from zone import services
from zone.models import ApplicationStatus, EntryStatus, Membership, WhitelistApplication, WhitelistEntry

from .test_whitelist_pages import PASSWORD, registration_data, signed_in, text
from .whitelist_helpers import (
    application_under_review,
    make_institution,
    make_member,
    make_reviewer,
    submitted_application,
)

pytestmark = pytest.mark.django_db


APPLICATION = {
    "kind": "new",
    "requested_scopes": ["goods"],
    "research_fields": "Quantum sensing",
    "justification": "Detectors cross the first line.",
}


# --- 1. the "New application" button ------------------------------------------------------------


def test_new_application_from_the_list_button_preselects_the_only_institution_and_saves():
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    client = signed_in(filer)

    page = client.get("/whitelist/applications/new/")  # the button's link: no ?institution=
    assert page.status_code == 200
    assert f'name="institution" value="{institution.pk}"' in page.content.decode()

    response = client.post("/whitelist/applications/new/", {**APPLICATION, "institution": institution.pk})
    application = WhitelistApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/whitelist/applications/{application.pk}/"
    assert application.institution == institution


def test_a_member_of_several_institutions_chooses_from_a_visible_field():
    first, second = make_institution(name_en="Alpha Lab"), make_institution(name_en="Beta Lab")
    filer = make_member(first, Membership.Role.FILER)
    Membership.objects.create(user=filer, institution=second, role=Membership.Role.OWNER)
    client = signed_in(filer)

    page = text(client.get("/whitelist/applications/new/"))
    assert '<select name="institution"' in page and "Alpha Lab" in page and "Beta Lab" in page

    missing = client.post("/whitelist/applications/new/", APPLICATION)
    assert missing.status_code == 200
    assert 'id="id_institution_error"' in missing.content.decode()  # the error sits next to the field
    assert not WhitelistApplication.objects.exists()

    preselected = client.get(f"/whitelist/applications/new/?institution={second.pk}").content.decode()
    assert f'<option value="{second.pk}" selected>' in preselected


def test_an_error_of_the_hidden_institution_field_is_said_not_hidden():
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    other = make_institution()

    response = signed_in(filer).post("/whitelist/applications/new/", {**APPLICATION, "institution": other.pk})
    body = text(response)
    assert response.status_code == 200
    assert "Institution: Select a valid choice" in body
    assert not WhitelistApplication.objects.exists()


# --- 3. two applications of one institution approved at the same moment --------------------------


@pytest.mark.django_db(transaction=True)
def test_two_applications_of_one_institution_approved_at_the_same_moment_yield_one_renewed_entry():
    institution = make_institution()
    first, _filer, first_reviewer = application_under_review(institution)
    second, _filer2, second_reviewer = application_under_review(institution)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(application, reviewer):
        try:
            barrier.wait(timeout=10)
            entry = services.application_approve(application_id=application.pk, actor=reviewer)
            outcomes.append(("ok", entry.filing_no))
        except Exception as error:  # the point of the test: nothing but a clean outcome
            outcomes.append(("error", repr(error)))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=pair) for pair in ((first, first_reviewer), (second, second_reviewer))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert [kind for kind, _ in outcomes] == ["ok", "ok"], outcomes
    entry = WhitelistEntry.objects.get()
    assert entry.status == EntryStatus.ACTIVE and {no for _, no in outcomes} == {entry.filing_no}
    assert set(WhitelistApplication.objects.values_list("status", flat=True)) == {ApplicationStatus.APPROVED}


# --- 4. one visibility rule for the institution page and the API -------------------------------


def test_a_staff_account_without_a_role_sees_no_institution_on_the_page_or_in_the_api():
    institution = make_institution()
    make_member(institution, Membership.Role.OWNER)
    roleless = StaffUserFactory()
    client = signed_in(roleless)

    assert client.get(f"/institutions/{institution.pk}/").status_code == 404
    assert client.get("/api/v1/institutions/").json()["results"] == []
    assert client.get(f"/api/v1/institutions/{institution.pk}/").status_code == 404


def test_staff_who_may_view_institutions_see_the_page_but_pending_invitations_only_with_that_permission():
    institution = make_institution()
    owner = make_member(institution, Membership.Role.OWNER)
    services.invitation_create(institution=institution, email="new@example.org", role="filer", actor=owner)

    customs = signed_in(StaffUserFactory(role=roles.CUSTOMS_OFFICER)).get(f"/institutions/{institution.pk}/")
    assert customs.status_code == 200 and "new@example.org" not in text(customs)

    reviewer = signed_in(StaffUserFactory(role=roles.WHITELIST_REVIEWER)).get(f"/institutions/{institution.pk}/")
    assert reviewer.status_code == 200 and "new@example.org" in text(reviewer)


# --- 7. a resubmission goes back to its reviewer -------------------------------------------------


def test_a_resubmitted_application_is_under_review_by_the_same_reviewer_at_once():
    application, filer, reviewer = application_under_review()
    services.application_request_changes(application_id=application.pk, actor=reviewer, message="Add the plan.")
    services.application_submit(application_id=application.pk, actor=filer)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW and application.reviewer == reviewer
    assert application.steps.last().to_status == ApplicationStatus.UNDER_REVIEW
    # The reviewer can decide straight away, without assigning it again.
    services.application_approve(application_id=application.pk, actor=reviewer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert Notification.objects.filter(user=reviewer, kind="application_submitted").exists()


def test_an_unassigned_resubmission_waits_in_the_queue():
    application, filer = submitted_application()
    WhitelistApplication.objects.filter(pk=application.pk).update(status=ApplicationStatus.CHANGES_REQUESTED)
    services.application_submit(application_id=application.pk, actor=filer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- 2. comments are escaped once, in HTML only ---------------------------------------------------


def test_a_comment_with_an_apostrophe_reads_the_same_in_the_notification_page_and_the_email():
    application, _filer, reviewer = application_under_review()
    owner = make_member(application.institution, Membership.Role.OWNER)
    services.comment_add(
        application_id=application.pk, actor=reviewer, body="The lab's <plan> & budget", visibility="applicant"
    )

    page = signed_in(owner).get("/notifications/").content.decode()
    assert "The lab&#x27;s &lt;plan&gt; &amp; budget" in page  # escaped once by the page
    assert "&amp;#x27;" not in page and "&amp;lt;" not in page

    notification = Notification.objects.get(user=owner, kind="comment_added")
    assert send_notification_email(notification.pk) is True
    assert "The lab's <plan> & budget" in mail.outbox[-1].body


# --- 5. signing in before confirming the e-mail ---------------------------------------------------


def _registered_owner(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/register/", registration_data())
    assert response.status_code == 302
    mail.outbox.clear()
    return User.objects.get(username="qlab-owner")


def test_signing_in_before_confirming_says_a_link_was_sent_and_offers_it_again(
    client, django_capture_on_commit_callbacks
):
    _registered_owner(client, django_capture_on_commit_callbacks)

    response = client.post("/accounts/login/", {"username": "qlab-owner", "password": PASSWORD})
    page = text(response)
    assert response.status_code == 200
    assert "Your e-mail address is not confirmed yet" in page and "o•••@qlab.example.cn" in page
    assert 'action="/accounts/confirm/again/"' in page

    wrong = text(client.post("/accounts/login/", {"username": "qlab-owner", "password": "not-the-password"}))
    assert "not confirmed" not in wrong  # without the right password nothing is said of the account
    assert "Please enter a correct username and password" in wrong


def test_the_sign_in_page_links_to_registration_and_the_public_filing_check(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/register/"' in page and 'href="/whitelist/verify/"' in page


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_confirmation_link_is_sent_again_by_the_worker_and_activates_the_account(client, worker_outbox):
    client.post("/register/", registration_data())
    assert len(worker_outbox(wait_for=1)) == 1  # the registration's own link
    owner = User.objects.get(username="qlab-owner")
    client.post("/accounts/login/", {"username": "qlab-owner", "password": PASSWORD})

    response = client.post("/accounts/confirm/again/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"

    sent = worker_outbox(wait_for=2)
    assert [message.to for message in sent] == [[owner.email], [owner.email]]
    path = re.search(r"https?://[^/\s]+(/accounts/confirm/\S+)", sent[-1].body).group(1)
    client.get(path)
    owner.refresh_from_db()
    assert owner.is_active
    # Asking again at once sends nothing more: one link a minute per account.
    client.post("/accounts/login/", {"username": "qlab-owner", "password": PASSWORD})
    assert "not confirmed" not in text(client.get("/accounts/login/"))


def test_asking_again_by_address_answers_the_same_whether_or_not_an_account_awaits(
    client, django_capture_on_commit_callbacks
):
    _registered_owner(client, django_capture_on_commit_callbacks)
    known = client.post("/accounts/confirm/again/", {"email": "owner@qlab.example.cn"}, follow=True)
    unknown = client.post("/accounts/confirm/again/", {"email": "nobody@example.org"}, follow=True)
    message = "If an account awaits confirmation there, a new confirmation link is on its way."
    assert message in text(known) and message in text(unknown)


# --- 6. languages ----------------------------------------------------------------------------------


def test_notifications_and_history_notes_are_rendered_in_the_readers_current_language():
    application, filer = submitted_application()
    reviewer = make_reviewer()
    with translation.override("zh-hans"):  # the reviewer works in Simplified Chinese
        services.application_assign(application_id=application.pk, reviewer=reviewer, actor=reviewer)
        services.application_request_changes(application_id=application.pk, actor=reviewer, message="请补充")
    client = signed_in(filer)

    english = text(client.get("/notifications/"))
    assert f"Changes requested on your whitelist application {application.pk}" in english
    history = text(client.get(f"/whitelist/applications/{application.pk}/"))
    assert f"Assigned to {reviewer.username}" in history and "已分配" not in history

    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/notifications/"})
    traditional = text(client.get("/notifications/"))
    assert "Changes requested on" not in traditional
    assert f"已分配給 {reviewer.username}" in text(client.get(f"/whitelist/applications/{application.pk}/"))


def test_the_empty_choice_of_the_registration_page_is_translated(client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/register/"})
    page = text(client.get("/register/"))
    assert "- Select an option -" not in page


def test_a_person_sets_their_name_and_language_on_their_profile_and_receives_emails_in_it():
    application, filer = submitted_application()
    client = signed_in(filer)
    assert client.get("/accounts/profile/").status_code == 200

    response = client.post("/accounts/profile/", {"first_name": "Mei", "last_name": "Chan", "language": "zh-hant"})
    assert response.status_code == 302
    filer.refresh_from_db()
    assert (filer.first_name, filer.last_name, filer.language) == ("Mei", "Chan", "zh-hant")
    assert response.cookies["django_language"].value == "zh-hant"

    reviewer = make_reviewer()
    services.application_assign(application_id=application.pk, reviewer=reviewer, actor=reviewer)
    services.application_reject(application_id=application.pk, actor=reviewer, reason="Incomplete")
    assert send_notification_email(Notification.objects.get(user=filer, kind="application_rejected").pk)
    assert "駁回" in mail.outbox[-1].subject


def test_the_profile_refuses_an_unknown_language():
    filer = make_member(make_institution())
    response = signed_in(filer).post("/accounts/profile/", {"first_name": "", "last_name": "", "language": "xx"})
    assert response.status_code == 200 and 'id="id_language_error"' in response.content.decode()
    filer.refresh_from_db()
    assert filer.language == "en"


# --- the HTML lists take the same bounded filters as the API ------------------------------------


def test_the_html_lists_answer_an_overflowing_waiting_filter_with_a_message_not_a_500():
    _application, filer = submitted_application()
    member_list = signed_in(filer).get("/whitelist/applications/?older_than_days=1000000")
    assert member_list.status_code == 200

    queue = signed_in(make_reviewer()).get("/staff/whitelist/?older_than_days=1000000&filtered=1")
    assert queue.status_code == 200
    assert "Ensure this value is less than or equal to 36500" in text(queue)


def test_an_approval_date_beyond_the_calendar_is_a_form_error_on_the_page():
    application, _filer, reviewer = application_under_review()
    response = signed_in(reviewer).post(
        f"/staff/whitelist/applications/{application.pk}/approve/",
        {"scopes": ["goods"], "valid_from": "9999-06-01", "valid_until": "", "note": ""},
    )
    assert response.status_code == 200 and "Enter a date from 1990-01-01 to 2199-12-31." in text(response)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW and not WhitelistEntry.objects.exists()
