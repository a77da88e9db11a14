"""Real-browser journeys: Playwright drives the system Chromium against pytest-django's live server.

Every page these tests open is watched: a console error, an uncaught script error or a Content
Security Policy violation on any of them fails the test. Where no Chromium is installed, the tests
are skipped with the reason (continuous integration installs it and fails on any skip).
"""

import os
import shutil
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A step that takes longer than this is a failure, not something to wait for.
STEP_TIMEOUT_MS = 10_000

# Records CSP violations as the page reports them; Chromium also prints them as console errors,
# but the event names the directive and the blocked resource.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__portalCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""


def chromium_executable() -> str | None:
    """The system Chromium (Debian's `chromium`), or the one `CHROMIUM` names."""
    return shutil.which(os.environ.get("CHROMIUM") or "chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """The system Chromium, headless; one per test module, so no event loop outlives the module.

    It asks for the test database first: a skipped test is still cleaned up after as a
    `transaction=True` test, and that must happen in the test database."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip("no Chromium installed (apt-get install chromium): the browser journeys need it")
    # Playwright's sync API keeps an asyncio loop running in the test thread, where Django would
    # otherwise refuse the tests' own (synchronous) database calls and the flush after each test.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen on any page of a test."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.seen.append(f"uncaught error on {page.url}: {error}"))

    def _console(self, page, message) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            self.seen.append(f"console error ({where}): {message.text}")

    def csp_violation(self, source, violation) -> None:
        self.seen.append(
            f"CSP violation on {source['page'].url}: {violation['directive']} blocked "
            f"{violation['blocked'] or 'inline'} at {violation['source']} {violation['sample']!r}"
        )


@pytest.fixture
def person(browser, live_server):
    """Open a browser of a new person (own cookies, English): `page = person()`.

    The test fails at its end when any page opened this way logged a console error, threw an
    uncaught exception or violated the Content Security Policy."""
    problems = PageProblems()
    contexts = []
    expect.set_options(timeout=STEP_TIMEOUT_MS)

    def open_browser(locale: str = "en-GB"):
        context = browser.new_context(base_url=live_server.url, locale=locale, accept_downloads=False)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        context.expose_binding("__portalCspViolation", problems.csp_violation)
        context.add_init_script(CSP_LISTENER)
        context.on("page", problems.watch)
        contexts.append(context)
        return context.new_page()

    yield open_browser
    for context in contexts:
        context.close()
    assert not problems.seen, "problems on the pages visited:\n" + "\n".join(problems.seen)
