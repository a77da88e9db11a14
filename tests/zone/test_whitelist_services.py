import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from hetao import services as account_services
from hetao.accounts import email_confirmation_tokens
from hetao.errors import InvalidTransition, NotAllowed
from hetao.models import Notification
from hetao.tasks import send_notification_email
from zone import services, workflow
from zone.models import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStatus,
    EntryStatus,
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
    png_bytes,
    submitted_application,
)

pytestmark = pytest.mark.django_db


def test_request_changes_then_resubmit_then_approve_creates_an_entry_with_a_filing_number():
    application, filer, reviewer = application_under_review()

    services.application_request_changes(application_id=application.pk, actor=reviewer, message="Add biosafety plan")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    assert application.comments.get().visibility == ApplicationComment.Visibility.APPLICANT

    services.application_update(application_id=application.pk, actor=filer, requested_scopes=["goods", "special_items"])
    services.document_add(
        application_id=application.pk,
        actor=filer,
        kind="biosafety_management",
        uploaded=SimpleUploadedFile("scan.png", png_bytes()),
    )
    services.application_submit(application_id=application.pk, actor=filer)
    services.application_assign(application_id=application.pk, reviewer=reviewer, actor=reviewer)
    entry = services.application_approve(application_id=application.pk, actor=reviewer)

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.entry == entry
    assert application.decided_by == reviewer
    assert entry.status == EntryStatus.ACTIVE
    assert entry.scopes == ["goods", "special_items"]
    assert entry.filing_no == f"HTWL-{timezone.localdate().year}-000001"
    assert entry.valid_until == entry.valid_from.replace(year=entry.valid_from.year + 3) - timedelta(days=1)
    assert [s.action for s in application.steps.all()] == [
        "create",
        "submit",
        "assign",
        "request_changes",
        "submit",
        "assign",
        "approve",
    ]


def test_rejection_records_the_reason_and_creates_no_entry():
    application, _filer, reviewer = application_under_review()

    services.application_reject(application_id=application.pk, actor=reviewer, reason="Not a research institution")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.decision_reason == "Not a research institution"
    assert not WhitelistEntry.objects.exists()


def test_a_rejection_needs_a_reason():
    application, _filer, reviewer = application_under_review()
    with pytest.raises(ValidationError):
        services.application_reject(application_id=application.pk, actor=reviewer, reason="  ")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_approving_a_renewal_extends_the_same_entry_and_keeps_its_filing_number():
    application, filer, reviewer = application_under_review()
    first = services.application_approve(application_id=application.pk, actor=reviewer)

    renewal = services.application_create(
        institution=application.institution,
        actor=filer,
        kind="renewal",
        requested_scopes=["goods"],
        justification="Renewal",
        research_fields="Biomedicine",
    )
    services.document_add(application_id=renewal.pk, actor=filer, kind="research_plan", uploaded=pdf_upload())
    services.application_submit(application_id=renewal.pk, actor=filer)
    services.application_assign(application_id=renewal.pk, reviewer=reviewer, actor=reviewer)
    later = timezone.localdate() + timedelta(days=400)
    second = services.application_approve(application_id=renewal.pk, actor=reviewer, valid_until=later)

    assert second.pk == first.pk
    assert second.filing_no == first.filing_no
    assert second.scopes == ["goods"]
    assert second.valid_until == later
    assert WhitelistEntry.objects.count() == 1


def test_a_renewal_needs_an_existing_entry():
    institution = make_institution()
    filer = make_member(institution)
    with pytest.raises(ValidationError):
        services.application_create(institution=institution, actor=filer, kind="renewal")


def test_submitting_an_incomplete_application_lists_what_is_missing():
    institution = make_institution()
    filer = make_member(institution)
    application = services.application_create(institution=institution, actor=filer)

    with pytest.raises(ValidationError) as error:
        services.application_submit(application_id=application.pk, actor=filer)

    assert set(error.value.message_dict) == {"requested_scopes", "justification", "documents"}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


ALL_STATES = [s.value for s in ApplicationStatus]


def _attempt(action, application, filer, reviewer):
    pk = application.pk
    calls = {
        workflow.SUBMIT: lambda: services.application_submit(application_id=pk, actor=filer),
        workflow.WITHDRAW: lambda: services.application_withdraw(application_id=pk, actor=filer),
        workflow.ASSIGN: lambda: services.application_assign(application_id=pk, reviewer=reviewer, actor=reviewer),
        workflow.REQUEST_CHANGES: lambda: services.application_request_changes(
            application_id=pk, actor=reviewer, message="Please fix"
        ),
        workflow.APPROVE: lambda: services.application_approve(application_id=pk, actor=reviewer),
        workflow.REJECT: lambda: services.application_reject(application_id=pk, actor=reviewer, reason="No"),
        workflow.EDIT: lambda: services.application_update(application_id=pk, actor=filer, justification="x"),
    }
    return calls[action]()


MACHINE = workflow.APPLICATION
INVALID = [(state, action) for state in ALL_STATES for action in MACHINE.actions if not MACHINE.allows(action, state)]


@pytest.mark.parametrize(("state", "action"), INVALID)
def test_every_transition_the_state_machine_does_not_allow_is_refused(state, action):
    application, filer, reviewer = application_under_review()
    WhitelistApplication.objects.filter(pk=application.pk).update(status=state)
    steps_before = application.steps.count()

    with pytest.raises(InvalidTransition):
        _attempt(action, application, filer, reviewer)

    application.refresh_from_db()
    assert application.status == state
    assert application.steps.count() == steps_before
    assert not WhitelistEntry.objects.exists()


VALID = [
    (state, action)
    for state in ALL_STATES
    for action in MACHINE.actions
    if MACHINE.allows(action, state) and action != workflow.EDIT
]


@pytest.mark.parametrize(("state", "action"), VALID)
def test_every_transition_the_state_machine_allows_reaches_its_target(state, action):
    application, filer, reviewer = application_under_review()
    WhitelistApplication.objects.filter(pk=application.pk).update(status=state)

    _attempt(action, application, filer, reviewer)

    expected = MACHINE[action].target
    if (state, action) == (ApplicationStatus.CHANGES_REQUESTED, workflow.SUBMIT):
        expected = ApplicationStatus.UNDER_REVIEW  # the reviewer who asked for the changes has it at once
    elif callable(expected):
        expected = ApplicationStatus.SUBMITTED
    application.refresh_from_db()
    assert application.status == expected


def test_a_filer_cannot_approve():
    application, filer, _reviewer = application_under_review()
    with pytest.raises(NotAllowed):
        services.application_approve(application_id=application.pk, actor=filer)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_a_viewer_cannot_submit():
    institution = make_institution()
    filer = make_member(institution, Membership.Role.FILER)
    viewer = make_member(institution, Membership.Role.VIEWER)
    application = services.application_create(
        institution=institution, actor=filer, requested_scopes=["goods"], justification="Why"
    )
    with pytest.raises(NotAllowed):
        services.application_submit(application_id=application.pk, actor=viewer)
    with pytest.raises(NotAllowed):
        services.application_create(institution=institution, actor=viewer)


def test_a_reviewer_from_the_applying_institution_cannot_decide_or_be_assigned():
    application, _filer, _reviewer = application_under_review()
    insider = make_reviewer()
    Membership.objects.create(user=insider, institution=application.institution, role=Membership.Role.VIEWER)

    for decide in (
        lambda: services.application_approve(application_id=application.pk, actor=insider),
        lambda: services.application_reject(application_id=application.pk, actor=insider, reason="No"),
        lambda: services.application_request_changes(application_id=application.pk, actor=insider, message="x"),
    ):
        with pytest.raises(NotAllowed):
            decide()
    with pytest.raises(ValidationError):
        services.application_assign(application_id=application.pk, reviewer=insider, actor=insider)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW


def test_a_member_of_another_institution_cannot_file_for_it():
    application, _filer, _reviewer = application_under_review()
    outsider = make_member(make_institution(), Membership.Role.OWNER)
    with pytest.raises(NotAllowed):
        services.application_withdraw(application_id=application.pk, actor=outsider)


def test_applicants_never_write_internal_comments():
    application, filer, reviewer = application_under_review()
    services.comment_add(application_id=application.pk, actor=reviewer, body="Check licence", visibility="internal")
    comment = services.comment_add(application_id=application.pk, actor=filer, body="Done", visibility="internal")
    assert comment.visibility == ApplicationComment.Visibility.APPLICANT


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_the_same_moment_yield_one_entry_and_one_filing_number():
    application, _filer, first = application_under_review()
    second = make_reviewer()
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(reviewer):
        try:
            barrier.wait(timeout=10)
            entry = services.application_approve(application_id=application.pk, actor=reviewer)
            outcomes.append(("ok", entry.filing_no))
        except InvalidTransition:
            outcomes.append(("refused", None))
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(r,)) for r in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"]
    assert WhitelistEntry.objects.count() == 1
    assert WhitelistEntry.objects.get().filing_no == next(no for kind, no in outcomes if kind == "ok")


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_different_institutions_get_distinct_consecutive_filing_numbers():
    reviewers, applications = [], []
    for _ in range(4):
        application, _filer, reviewer = application_under_review()
        applications.append(application)
        reviewers.append(reviewer)
    barrier = threading.Barrier(4)
    numbers = []

    def approve(application, reviewer):
        try:
            barrier.wait(timeout=10)
            numbers.append(services.application_approve(application_id=application.pk, actor=reviewer).filing_no)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=pair) for pair in zip(applications, reviewers, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    year = timezone.localdate().year
    assert sorted(numbers) == [f"HTWL-{year}-{n:06d}" for n in range(1, 5)]


def test_the_database_allows_at_most_one_active_entry_per_institution():
    application, _filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        WhitelistEntry.objects.create(
            institution=entry.institution,
            filing_no="HTWL-2026-999999",
            scopes=["goods"],
            valid_from=entry.valid_from,
            valid_until=entry.valid_until,
        )


def test_suspend_reinstate_and_revoke_follow_their_rules():
    application, _filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)

    with pytest.raises(InvalidTransition):
        services.entry_reinstate(entry_id=entry.pk, actor=reviewer)
    services.entry_suspend(entry_id=entry.pk, actor=reviewer, reason="Audit finding")
    assert WhitelistEntry.objects.get(pk=entry.pk).status == EntryStatus.SUSPENDED
    assert services.verify_filing(entry.filing_no)["valid"] is False
    services.entry_reinstate(entry_id=entry.pk, actor=reviewer)
    assert services.verify_filing(entry.filing_no)["valid"] is True
    services.entry_revoke(entry_id=entry.pk, actor=reviewer, reason="Fraud")
    with pytest.raises(InvalidTransition):
        services.entry_revoke(entry_id=entry.pk, actor=reviewer, reason="Again")
    assert WhitelistEntry.objects.get(pk=entry.pk).status == EntryStatus.REVOKED


def test_an_applicant_cannot_change_the_registry():
    application, filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    with pytest.raises(NotAllowed):
        services.entry_suspend(entry_id=entry.pk, actor=filer, reason="x")


def test_expiry_expires_entries_past_validity_and_reminds_owners_once():
    today = timezone.localdate()
    old, _f1, reviewer = application_under_review()
    old_entry = services.application_approve(application_id=old.pk, actor=reviewer)
    WhitelistEntry.objects.filter(pk=old_entry.pk).update(
        valid_from=today - timedelta(days=1200), valid_until=today - timedelta(days=1)
    )
    soon, _f2, reviewer2 = application_under_review()
    owner = make_member(soon.institution, Membership.Role.OWNER, language="zh-hans")
    soon_entry = services.application_approve(application_id=soon.pk, actor=reviewer2)
    WhitelistEntry.objects.filter(pk=soon_entry.pk).update(valid_until=today + timedelta(days=30))
    far, _f3, reviewer3 = application_under_review()
    services.application_approve(application_id=far.pk, actor=reviewer3)

    first = services.entries_expire_and_remind(today=today)
    second = services.entries_expire_and_remind(today=today)

    assert first == {"expired": 1, "reminded": 1}
    assert second == {"expired": 0, "reminded": 0}
    assert WhitelistEntry.objects.get(pk=old_entry.pk).status == EntryStatus.EXPIRED
    reminders = Notification.objects.filter(kind="entry_expiring")
    assert [n.user for n in reminders] == [owner]
    assert soon_entry.filing_no in reminders.get().subject
    with override_settings(PORTAL_BASE_URL="https://portal.example.org"):
        assert send_notification_email(reminders.get().pk) is True
    assert "续期" in mail.outbox[-1].subject  # the owner reads Simplified Chinese


def test_notification_emails_go_out_in_the_recipients_language():
    application, _filer, reviewer = application_under_review()
    owner = make_member(application.institution, Membership.Role.OWNER, language="zh-hant")

    services.application_reject(application_id=application.pk, actor=reviewer, reason="資料不全")
    notification = Notification.objects.get(user=owner, kind="application_rejected")
    with override_settings(PORTAL_BASE_URL="https://portal.example.org"):
        assert send_notification_email(notification.pk) is True

    message = mail.outbox[-1]
    assert message.to == [owner.email]
    assert "駁回" in message.subject
    assert "資料不全" in message.body
    assert f"https://portal.example.org/whitelist/applications/{application.pk}/" in message.body


def test_notification_email_is_queued_only_after_commit(django_capture_on_commit_callbacks):
    reviewer = make_reviewer()
    with django_capture_on_commit_callbacks() as callbacks:
        submitted_application()
    assert Notification.objects.get(kind="application_submitted").user == reviewer
    assert len(callbacks) == 1, "the e-mail is scheduled for after the commit, not sent inside it"


class TestDocumentUploads:
    def _draft(self):
        institution = make_institution()
        filer = make_member(institution)
        return services.application_create(institution=institution, actor=filer), filer

    def test_a_pdf_is_stored_under_a_server_generated_name(self):
        application, filer = self._draft()
        document = services.document_add(
            application_id=application.pk, actor=filer, kind="research_plan", uploaded=pdf_upload("../../etc/x.pdf")
        )
        assert document.content_type == "application/pdf"
        assert document.original_name == "x.pdf"
        assert "etc" not in document.file.name
        assert document.file.name.startswith(f"whitelist/{application.pk}/")
        assert document.file.name.endswith(".pdf")

    def test_a_renamed_executable_is_refused(self):
        application, filer = self._draft()
        elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
        with pytest.raises(ValidationError) as error:
            services.document_add(
                application_id=application.pk,
                actor=filer,
                kind="research_plan",
                uploaded=SimpleUploadedFile("licence.pdf", elf, content_type="application/pdf"),
            )
        assert error.value.code == "file_type"
        assert not ApplicationDocument.objects.exists()

    def test_an_oversized_file_is_refused(self, settings):
        settings.UPLOAD_MAX_BYTES = 1024
        application, filer = self._draft()
        big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * 4096)
        with pytest.raises(ValidationError) as error:
            services.document_add(application_id=application.pk, actor=filer, kind="other", uploaded=big)
        assert error.value.code == "file_too_large"

    def test_an_empty_file_is_refused(self):
        application, filer = self._draft()
        with pytest.raises(ValidationError) as error:
            services.document_add(
                application_id=application.pk, actor=filer, kind="other", uploaded=SimpleUploadedFile("empty.pdf", b"")
            )
        assert error.value.code == "file_empty"

    def test_a_damaged_pdf_is_refused(self):
        application, filer = self._draft()
        with pytest.raises(ValidationError) as error:
            services.document_add(
                application_id=application.pk,
                actor=filer,
                kind="other",
                uploaded=SimpleUploadedFile("broken.pdf", b"%PDF-1.4\ngarbage"),
            )
        assert error.value.code == "file_damaged"

    def test_documents_cannot_be_added_once_submitted(self):
        application, filer = submitted_application()
        with pytest.raises(InvalidTransition):
            services.document_add(application_id=application.pk, actor=filer, kind="other", uploaded=pdf_upload())


def test_the_public_verification_shows_only_validity_scopes_and_end_date():
    application, _filer, reviewer = application_under_review()
    entry = services.application_approve(application_id=application.pk, actor=reviewer)
    result = services.verify_filing(entry.filing_no.lower())
    assert result == {
        "filing_no": entry.filing_no,
        "found": True,
        "valid": True,
        "status": "active",
        "scopes": ["goods", "research_funds"],
        "valid_until": entry.valid_until,
    }
    assert services.verify_filing("HTWL-1999-000001") == {
        "filing_no": "HTWL-1999-000001",
        "found": False,
        "valid": False,
    }


class TestInvitations:
    def _invite(self, email="new.member@example.org", role="filer"):
        institution = make_institution()
        owner = make_member(institution, Membership.Role.OWNER)
        invitation, secret = services.invitation_create(institution=institution, email=email, role=role, actor=owner)
        return institution, owner, invitation, secret

    def test_an_invitation_can_only_be_accepted_by_the_invited_address(self):
        institution, _owner, _invitation, secret = self._invite()
        stranger = make_member(make_institution(), Membership.Role.FILER)
        with pytest.raises(ValidationError):
            services.invitation_accept(secret=secret, user=stranger)
        assert not Membership.objects.filter(user=stranger, institution=institution).exists()

    def test_accepting_never_changes_an_existing_members_role(self):
        institution = make_institution()
        owner = make_member(institution, Membership.Role.OWNER)
        _invitation, secret = services.invitation_create(
            institution=institution, email="other@example.org", role="viewer", actor=owner
        )
        owner.email = "other@example.org"
        owner.save(update_fields=["email"])
        with pytest.raises(ValidationError):
            services.invitation_accept(secret=secret, user=owner)
        assert Membership.objects.get(user=owner, institution=institution).role == Membership.Role.OWNER

    def test_an_invitation_is_used_once(self):
        institution, _owner, _invitation, secret = self._invite()
        invited = make_member(make_institution(), Membership.Role.VIEWER)
        invited.email = "new.member@example.org"
        invited.save(update_fields=["email"])
        services.invitation_accept(secret=secret, user=invited)
        assert Membership.objects.get(user=invited, institution=institution).role == "filer"
        with pytest.raises(ValidationError):
            services.invitation_accept(secret=secret, user=invited)


def test_an_email_confirmation_link_works_once_and_is_not_a_password_reset_token():
    from django.contrib.auth.tokens import default_token_generator

    from zone.models import Institution, Jurisdiction

    candidate = Institution(
        name_en="Open Lab",
        kind="laboratory",
        jurisdiction=Jurisdiction.HKSAR,
        registration_type="hk_br",
        registration_no="87654321",
    )
    _institution, user = services.institution_register(
        institution=candidate, username="openlab", email="owner@openlab.hk", password="a-long-password-1"
    )
    token = email_confirmation_tokens.make_token(user)
    assert not user.is_active
    assert not default_token_generator.check_token(user, token)
    assert email_confirmation_tokens.check_token(user, token)

    account_services.user_confirm_email(user_id=user.pk)
    user.refresh_from_db()
    assert user.is_active
    assert not email_confirmation_tokens.check_token(user, token)
