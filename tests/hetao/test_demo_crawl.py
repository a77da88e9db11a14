"""Every page a demo account can reach by following links answers without a server error.

The demo data holds an object in most states of every workflow, so following every link from the
home page as each demo account opens the lists, the details, the forms, the exports and the
filters a real user opens. A page that fails for one of them fails here, with the path and the
account, before a user meets it.
"""

import re
from collections import deque
from html import unescape
from io import StringIO
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from hetao.models import User

pytestmark = pytest.mark.django_db

# Each account sees a different part of the portal: institutions' owners, filers and viewers, and
# every staff role.
ACCOUNTS = ["owner-sz", "owner-hk", "owner-bio", "filer", "viewer", "admin", "reviewer", "customs", "auditor"]
# Links that end the session or leave the portal's own pages (the Django admin has its own tests).
NOT_FOLLOWED = ("/accounts/logout/", "/static/", "/media/", "/api/", "/i18n/", "/admin/")
# Enough to reach every list, detail and form of the demo data without following every page of
# every filter combination.
PAGES_PER_ACCOUNT = 400
VARIANTS_PER_PATH = 3

HREF = re.compile(r'href="([^"#]*)')


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _links(html: str):
    for href in HREF.findall(html):
        href = unescape(href)
        if href.startswith("/") and not href.startswith("//"):
            yield href


def _key(href: str) -> tuple[str, str]:
    parts = urlsplit(href)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return parts.path, query


def crawl(client: Client, start: str = "/") -> tuple[dict[str, int], list[str]]:
    """Follow same-site links breadth first: the status of every page reached, and the failures."""
    seen: dict[tuple[str, str], int] = {}
    variants: dict[str, int] = {}
    failures = []
    queue = deque([start])
    while queue and len(seen) < PAGES_PER_ACCOUNT:
        href = queue.popleft()
        path, query = _key(href)
        if (path, query) in seen or path.startswith(NOT_FOLLOWED) or variants.get(path, 0) >= VARIANTS_PER_PATH:
            continue
        variants[path] = variants.get(path, 0) + 1
        response = client.get(f"{path}?{query}" if query else path)
        seen[(path, query)] = response.status_code
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {href}")
            continue
        if response.status_code in (301, 302):
            queue.append(response["Location"])
            continue
        if response.get("Content-Type", "").startswith("text/html"):
            queue.extend(_links(response.content.decode()))
    return {f"{p}?{q}" if q else p: s for (p, q), s in seen.items()}, failures


def test_every_page_a_demo_account_reaches_answers_without_a_server_error():
    call_command("seed_demo", "--force", stdout=StringIO())
    reached, failures = {}, {}
    for username in ACCOUNTS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        pages, failed = crawl(client)
        reached[username] = pages
        if failed:
            failures[username] = failed

    assert not failures, failures
    # The crawl reached the pages of each part of the portal it is meant to cover.
    owner = reached["owner-sz"]
    for prefix in ("/whitelist/applications/", "/people/", "/data-exports/", "/notifications/"):
        assert any(page.startswith(prefix) and re.search(r"/\d+/", page) for page in owner), (prefix, sorted(owner))
    staff = set(reached["admin"]) | set(reached["reviewer"])
    for prefix in ("/staff/whitelist/", "/staff/people/", "/staff/data-exports/", "/staff/data-exports/negative-list/"):
        assert any(page.startswith(prefix) for page in staff), (prefix, sorted(staff))
    assert any(page.startswith("/staff/passage-check/") for page in reached["customs"]), sorted(reached["customs"])
