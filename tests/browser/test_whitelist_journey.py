"""The whole whitelist filing in a real browser, clicking like the people who do it: an enterprise
registers and files, a reviewer asks for changes and approves, anyone verifies the filing."""

import re

import pytest
from playwright.sync_api import Page, expect

from hetao import roles
from hetao import services as account_services
from tests.factories import valid_uscc
from tests.zone.whitelist_helpers import pdf_bytes
from zone.models import ApplicationStatus, EntryStatus, Institution, Membership, WhitelistApplication, WhitelistEntry

from .pages import field, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-password-1"
USCC = valid_uscc(880001)
CHANGES = "Please list the instruments and their HS codes."
FILING_NO = re.compile(r"HTWL-\d{4}-\d{6}")


def status_badge(page: Page):
    return page.get_by_role("heading", level=1).locator(".zone-status")


def register(page: Page) -> None:
    page.goto("/register/")
    expect(page.get_by_role("heading", name="Register an institution")).to_be_visible()
    field(page, "Name (English)").fill("Futian Photonics Co., Ltd.")
    field(page, "Name (简体中文)").fill("福田光子有限公司")
    field(page, "Name (繁體中文)").fill("福田光子有限公司")
    field(page, "Kind").select_option(label="Enterprise")
    field(page, "Jurisdiction").select_option(label="Mainland China")
    field(page, "Registration type").select_option(label="Unified Social Credit Code (mainland)")
    field(page, "Registration number").fill(USCC)
    field(page, "Username").fill("photonics-owner")
    field(page, "E-mail").fill("owner@photonics.example.cn")
    field(page, "Password").fill(PASSWORD)
    field(page, "Password confirmation").fill(PASSWORD)
    field(page, "Preferred language").select_option(label="English")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page).to_have_url(re.compile(r"/register/sent/$"))
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()


def confirmation_path(worker_outbox) -> str:
    """The path of the link in the one e-mail the Celery worker sent."""
    sent = worker_outbox(wait_for=1)
    assert len(sent) == 1, [message.subject for message in sent]
    message = sent[0]
    assert message.to == ["owner@photonics.example.cn"]
    match = re.search(r"https?://[^/\s]+(/\S*confirm/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def file_a_draft(page: Page) -> int:
    page.goto("/whitelist/applications/")
    expect(page.get_by_role("heading", name="Whitelist applications", exact=True)).to_be_visible()
    expect(page.get_by_text("Your institutions have no whitelist applications yet.")).to_be_visible()
    page.get_by_role("link", name="New application").click()
    expect(page).to_have_url(re.compile(r"/whitelist/applications/new/$"))
    expect(page.get_by_role("heading", name="New whitelist application")).to_be_visible()
    # A member of one institution has nothing to choose: the page names it.
    expect(page.get_by_text("For Futian Photonics Co., Ltd.")).to_be_visible()

    field(page, "Kind of application").select_option(label="New filing")
    field(page, "Research goods").check()
    field(page, "Cross-border research funds").check()
    field(page, "Research fields").fill("Photonics, quantum sensing")
    field(page, "Justification").fill("Lasers and detectors cross the first line every month.")
    page.get_by_role("button", name="Save the draft").click()

    expect(page.get_by_role("alert").filter(has_text="The draft is saved.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/whitelist/applications/\d+/$"))
    expect(status_badge(page)).to_have_text("Draft")
    return int(re.search(r"/whitelist/applications/(\d+)/$", page.url).group(1))


def attach_and_submit(page: Page, pdf_path) -> None:
    expect(page.get_by_text("No documents are attached yet.")).to_be_visible()
    field(page, "Kind of document").select_option(label="Research plan")
    field(page, "File").set_input_files(pdf_path)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").filter(has_text="“research-plan.pdf” is attached.")).to_be_visible()
    documents = page.locator("section", has=page.get_by_role("heading", name="Documents"))
    expect(documents.get_by_role("link", name="research-plan.pdf")).to_be_visible()

    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="The application is submitted.")).to_be_visible()
    expect(status_badge(page)).to_have_text("Submitted")


@pytest.mark.worker
def test_an_enterprise_registers_files_answers_a_request_for_changes_and_is_verified_by_anyone(
    person, tmp_path, worker_outbox
):
    pdf_path = tmp_path / "research-plan.pdf"
    pdf_path.write_bytes(pdf_bytes())
    applicant = person()

    # The owner registers the enterprise, confirms the e-mail address and signs in.
    register(applicant)
    applicant.goto(confirmation_path(worker_outbox))
    expect(applicant).to_have_url(re.compile(r"/accounts/login/$"))
    expect(applicant.get_by_role("alert").filter(has_text="your account is active")).to_be_visible()
    sign_in(applicant, "photonics-owner", PASSWORD)
    institution = Institution.objects.get(registration_no=USCC)
    assert Membership.objects.get(institution=institution).user.username == "photonics-owner"

    # A draft from the list's button, a document, and the submission.
    application_id = file_a_draft(applicant)
    application = WhitelistApplication.objects.get(pk=application_id)
    assert (application.institution, application.status) == (institution, ApplicationStatus.DRAFT)
    attach_and_submit(applicant, pdf_path)

    # A reviewer, in a browser of their own, finds it in the queue, takes it and asks for changes.
    account_services.user_create(
        username="reviewer-lin",
        email="lin@hetao.example",
        password=PASSWORD,
        staff_role=roles.WHITELIST_REVIEWER,
    )
    reviewer = person()
    reviewer.goto("/staff/whitelist/")
    sign_in(reviewer, "reviewer-lin", PASSWORD)
    expect(reviewer.get_by_role("heading", name="Whitelist review queue")).to_be_visible()
    row = reviewer.get_by_role("row").filter(has_text="Futian Photonics Co., Ltd.")
    expect(row).to_contain_text("Submitted")
    row.get_by_role("link", name=f"Application {application_id}").click()
    expect(reviewer.get_by_role("heading", level=1)).to_contain_text(f"Application {application_id}")
    reviewer.get_by_role("button", name="Take it and start the review").click()
    expect(status_badge(reviewer)).to_have_text("Under review")
    field(reviewer, "What the applicant must change").fill(CHANGES)
    reviewer.get_by_role("button", name="Return to the applicant").click()
    expect(status_badge(reviewer)).to_have_text("Changes requested")

    # The applicant reads the request, edits the application and submits it again.
    applicant.reload()
    expect(status_badge(applicant)).to_have_text("Changes requested")
    comments = applicant.locator("section", has=applicant.get_by_role("heading", name="Comments"))
    expect(comments).to_contain_text(CHANGES)
    applicant.get_by_role("link", name="Edit", exact=True).click()
    expect(applicant.get_by_role("heading", name=f"Edit application {application_id}")).to_be_visible()
    field(applicant, "Justification").fill(
        "Instruments: tunable lasers (HS 9013.20) and single-photon detectors (HS 8541.49)."
    )
    applicant.get_by_role("button", name="Save changes").click()
    expect(applicant.get_by_role("alert").filter(has_text="Your changes are saved.")).to_be_visible()
    applicant.get_by_role("button", name="Submit again").click()
    expect(applicant.get_by_role("alert").filter(has_text="The application is submitted.")).to_be_visible()
    # The reviewer already assigned goes on with the review: it does not start again.
    expect(status_badge(applicant)).to_have_text("Under review")

    # The reviewer approves at once, with the requested scopes and the standard validity.
    reviewer.reload()
    expect(status_badge(reviewer)).to_have_text("Under review")
    expect(reviewer.get_by_role("button", name="Take it and start the review")).to_have_count(0)
    expect(reviewer.get_by_text("(HS 9013.20)")).to_be_visible()
    reviewer.get_by_role("button", name="Approve and enter in the registry").click()
    expect(status_badge(reviewer)).to_have_text("Approved")
    expect(reviewer.get_by_role("status").filter(has_text="Whitelist entry HTWL-")).to_be_visible()

    # The staff reviewer also reads the partner API documentation.
    reviewer.goto("/api/docs/")
    expect(reviewer.locator(".swagger-ui .info .title")).to_be_visible()
    expect(reviewer.locator(".swagger-ui .opblock").first).to_be_visible()

    # The applicant sees the filing number; anyone can verify it.
    entry = WhitelistEntry.objects.get(institution=institution)
    applicant.reload()
    expect(status_badge(applicant)).to_have_text("Approved")
    expect(applicant.get_by_text(f"filing number {entry.filing_no}")).to_be_visible()
    expect(applicant.locator(".zone-entry")).to_contain_text(entry.filing_no)

    public = person()
    public.goto("/whitelist/verify/")
    expect(public.get_by_role("heading", name="Verify a whitelist filing")).to_be_visible()
    field(public, "Filing number").fill(entry.filing_no)
    public.get_by_role("button", name="Verify", exact=True).click()
    result = public.get_by_role("heading", name=f"{entry.filing_no} is valid")
    expect(result).to_be_visible()
    expect(public.get_by_role("status")).to_contain_text("Research goods")
    expect(public.get_by_role("status")).to_contain_text(entry.valid_until.isoformat())
    expect(public.get_by_role("main")).not_to_contain_text("Futian Photonics")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.reviewer.username == "reviewer-lin"
    assert [step.action for step in application.steps.order_by("pk")] == [
        "create",
        "submit",
        "assign",
        "request_changes",
        "submit",
        "approve",
    ]
    assert FILING_NO.fullmatch(entry.filing_no)
    assert entry.status == EntryStatus.ACTIVE
    assert entry.scopes == ["goods", "research_funds"]
    assert application.documents.get().original_name == "research-plan.pdf"
