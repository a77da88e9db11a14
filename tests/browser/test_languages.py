"""The pages in Simplified and Traditional Chinese, chosen with the language menu as a person
would: none of the page's own text may be left in English."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.zone.whitelist_helpers import make_institution, make_member, make_reviewer, submitted_application
from zone.models import Membership

from .pages import page_strings, sign_in, switch_language

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Latin words a Chinese page rightly shows: names of formats and standards, the API, and the
# language menu's own entry for English.
LATIN_WORDS_ALLOWED = {"API", "CSV", "XLSX", "PDF", "PNG", "JPEG", "HTWL", "GB", "USCC", "English"}

LANGUAGES = {"zh-hans": "简体中文", "zh-hant": "繁體中文"}


def untranslated(page: Page, data: tuple[str, ...] = ()) -> list[str]:
    """The page's strings holding an English word of three letters or more, once `data` (what
    people typed: usernames, registration numbers) is left out."""
    found = []
    for text in page_strings(page):
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        if any(word not in LATIN_WORDS_ALLOWED for word in re.findall(r"[A-Za-z]{3,}", rest)):
            found.append(text)
    return sorted(set(found))


def read_in(page: Page, code: str, found: dict, data: tuple[str, ...] = ()) -> None:
    """Check the page is in `code`; note its English strings under its path (all pages are read
    before the test fails, so one run lists every untranslated string)."""
    expect(page.locator("html")).to_have_attribute("lang", code)
    strings = untranslated(page, data)
    if strings:
        found[page.url.removeprefix(re.match(r"https?://[^/]+", page.url).group(0))] = strings


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_sign_in_registration_application_and_review_pages_read_entirely_in_chinese(person, code):
    institution = make_institution(name_zh_hans="河套光子实验室", name_zh_hant="河套光子實驗室")
    owner = make_member(institution, Membership.Role.OWNER, username="lab-owner")
    application, _filer = submitted_application(institution)
    document = application.documents.get()
    # What people typed or uploaded stays as they wrote it.
    typed = (application.research_fields, application.justification, document.original_name, document.content_type)
    reviewer = make_reviewer(username="reviewer-wu")
    data = ("lab-owner", _filer.username, reviewer.username, institution.registration_no, *typed)
    english = {}

    # A visitor opens the sign-in page in English, chooses the language, then goes on to register.
    visitor = person()
    visitor.goto("/accounts/login/")
    expect(visitor.locator("html")).to_have_attribute("lang", "en")
    switch_language(visitor, LANGUAGES[code])
    read_in(visitor, code, english)
    visitor.locator("a[href='/register/']").last.click()
    expect(visitor).to_have_url(re.compile(r"/register/$"))
    read_in(visitor, code, english)

    # A member signs in in English, then switches on their application list and opens one.
    member = person()
    member.goto("/accounts/login/?next=/whitelist/applications/")
    sign_in(member, owner.username, PASSWORD)
    expect(member).to_have_url(re.compile(r"/whitelist/applications/$"))
    switch_language(member, LANGUAGES[code])
    read_in(member, code, english, data)
    member.locator(f"a[href='/whitelist/applications/{application.pk}/']").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text(str(application.pk))
    read_in(member, code, english, data)

    # A reviewer does the same on the review queue and the application under review.
    staff = person()
    staff.goto("/accounts/login/?next=/staff/whitelist/")
    sign_in(staff, reviewer.username, PASSWORD)
    switch_language(staff, LANGUAGES[code])
    read_in(staff, code, english, data)
    staff.locator(f"a[href='/staff/whitelist/applications/{application.pk}/']").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(str(application.pk))
    read_in(staff, code, english, data)

    assert not english, f"English text on the {LANGUAGES[code]} pages:\n" + "\n".join(
        f"{path}: {strings}" for path, strings in english.items()
    )
