"""What a person does on every page, in the browser: sign in, switch the language, read the page."""

import re

from playwright.sync_api import Page, expect

# Every text of the page a person may see or hear: text nodes (also those of closed menus and
# screen-reader-only spans), option labels, and the attributes read out or shown as hints.
PAGE_STRINGS = """
() => {
  const strings = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => ["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"].includes(node.parentElement.tagName)
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  while (walker.nextNode()) strings.push(walker.currentNode.nodeValue);
  for (const element of document.body.querySelectorAll("[aria-label], [placeholder], [title], [alt]")) {
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      if (element.hasAttribute(name)) strings.push(element.getAttribute(name));
    }
  }
  for (const element of document.body.querySelectorAll("input[type=submit], input[type=button]")) {
    strings.push(element.value);
  }
  return strings.map((text) => text.replace(/\\s+/g, " ").trim()).filter((text) => text);
}
"""


def field(page: Page, label: str):
    """The form field labelled exactly `label` (a required field's label ends with a star)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\s*\*?$"))


def sign_in(page: Page, username: str, password: str) -> None:
    """On the sign-in page (already open), sign in as a person would."""
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    field(page, "Username").fill(username)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def switch_language(page: Page, language_name: str) -> None:
    """Choose a language in the menu of the navigation bar; the same page comes back in it."""
    path = page.url
    page.locator("#language-menu").click()
    page.get_by_role("button", name=language_name, exact=True).click()
    expect(page.locator("#language-menu")).to_contain_text(language_name)
    expect(page).to_have_url(path)


def page_strings(page: Page) -> list[str]:
    return page.evaluate(PAGE_STRINGS)
