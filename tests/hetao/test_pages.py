"""The page layout, languages, CSP, error pages, static files and the home pages."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from hetao import roles, services, views
from hetao.models import Notification
from zone import services as zone_services
from zone.models import Institution, Jurisdiction, Membership, Park
from zone.validators import uscc_check_character

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware leaves a request's language active in the thread: restore the default for later tests."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


PASSWORD = "a-long-password-1"
TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"


def make_staff(username, role):
    return services.user_create(
        username=username, email=f"{username}@hetao.example", password=PASSWORD, staff_role=role
    )


def make_person(username):
    return services.user_create(username=username, email=f"{username}@example.org", password=PASSWORD)


def make_institution(n, name="Shenzhen Quantum Lab"):
    body = f"91440300{n:09d}"
    return Institution.objects.create(
        name_en=name,
        name_zh_hans="深圳量子实验室",
        name_zh_hant="深圳量子實驗室",
        kind=Institution.Kind.LABORATORY,
        jurisdiction=Jurisdiction.MAINLAND,
        registration_type=Institution.RegistrationType.USCC,
        registration_no=body + uscc_check_character(body),
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Layout -------------------------------------------------------------------------------------


def test_every_page_has_the_language_switcher_posting_to_set_language_with_csrf(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    form = re.search(r'<form[^>]*action="/i18n/setlang/"[^>]*method="post".*?</form>', html, re.S)
    assert form, "language switcher form missing"
    assert 'name="csrfmiddlewaretoken"' in form.group(0)
    for code, label in (("en", "English"), ("zh-hans", "简体中文"), ("zh-hant", "繁體中文")):
        assert f'name="language" value="{code}"' in form.group(0)
        assert label in form.group(0)


def test_signed_in_page_offers_password_change_and_a_sign_out_post_form():
    client = signed_in(make_staff("admin1", roles.ZONE_ADMIN))
    html = client.get("/").content.decode()
    assert 'href="/accounts/password/change/"' in html
    assert re.search(
        r'<form action="/accounts/logout/" method="post">\s*<input type="hidden" name="csrfmiddlewaretoken"', html
    )
    assert 'href="#content"' in html and 'id="content"' in html


def test_staff_navigation_follows_the_role():
    admin_html = signed_in(make_staff("admin1", roles.ZONE_ADMIN)).get("/").content.decode()
    assert 'href="/staff/audit/"' in admin_html
    assert 'href="/staff/tokens/"' in admin_html
    assert 'href="/admin/"' in admin_html

    customs_html = signed_in(make_staff("customs1", roles.CUSTOMS_OFFICER)).get("/").content.decode()
    assert 'href="/staff/audit/"' not in customs_html
    assert 'href="/staff/tokens/"' not in customs_html


def test_whitelist_reviewer_navigation_links_the_review_queue_but_not_the_audit_trail():
    html = signed_in(make_staff("reviewer1", roles.WHITELIST_REVIEWER)).get("/").content.decode()
    assert f'href="{reverse("staff-review-queue")}"' in html
    assert 'href="/staff/audit/"' not in html


def test_user_menu_shows_the_number_of_unread_notifications():
    user = make_person("member9")
    Notification.objects.create(user=user, kind="comment_added", params={"_subject": "New comment"})
    Notification.objects.create(
        user=user, kind="comment_added", params={"_subject": "Read one"}, read_at=timezone.now()
    )
    html = signed_in(user).get("/").content.decode()
    assert re.search(r'text-bg-warning">1<span class="visually-hidden"> unread</span>', html)


def test_institution_owner_navigation_links_their_api_tokens_and_a_filer_has_none():
    institution = make_institution(1)
    owner = make_person("owner1")
    filer = make_person("filer1")
    zone_services.membership_set(user=owner, institution=institution, role=Membership.Role.OWNER)
    zone_services.membership_set(user=filer, institution=institution, role=Membership.Role.FILER)

    assert 'href="/accounts/tokens/"' in signed_in(owner).get("/").content.decode()
    filer_html = signed_in(filer).get("/").content.decode()
    assert 'href="/accounts/tokens/"' not in filer_html
    assert 'href="/staff/' not in filer_html


# Home pages ---------------------------------------------------------------------------------


def test_home_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_staff_home_shows_counts_of_zone_records():
    Park.objects.create(code="SZ", name_en="Shenzhen park", jurisdiction=Jurisdiction.MAINLAND, area_km2="3.02")
    Park.objects.create(code="HK", name_en="Hong Kong park", jurisdiction=Jurisdiction.HKSAR, area_km2="0.87")
    make_institution(2)
    response = signed_in(make_staff("admin1", roles.ZONE_ADMIN)).get("/")
    assert response.status_code == 200
    tiles = dict(
        re.findall(
            r'<h3 class="h6 card-title text-body-secondary mb-1">([^<]+)</h3>\s*<p[^>]*>([\d,]+)</p>',
            response.content.decode(),
        )
    )
    assert tiles == {"Parks": "2", "Sites": "0", "Institutions": "1", "Registered persons": "0", "Checkpoints": "0"}


def test_member_home_lists_their_institutions_with_their_role():
    mine = make_institution(3, name="Lab We Belong To")
    make_institution(4, name="Some Other Institute")
    user = make_person("member1")
    zone_services.membership_set(user=user, institution=mine, role=Membership.Role.VIEWER)
    response = signed_in(user).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lab We Belong To" in html
    assert "Viewer" in html
    assert "Some Other Institute" not in html


def test_member_home_without_institutions_explains_what_to_do():
    html = signed_in(make_person("newcomer")).get("/").content.decode()
    assert "Your account is not a member of any institution yet." in html


# Languages ----------------------------------------------------------------------------------


def test_switching_to_traditional_chinese_renders_pages_in_traditional_chinese(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hant">' in page
    assert '<h1 class="h4 mb-3">登入</h1>' in page
    assert "河套深港科技創新合作區" in page


def test_switching_to_simplified_chinese_renders_pages_in_simplified_chinese(client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert '<h1 class="h4 mb-3">登录</h1>' in page
    assert "河套深港科技创新合作区" in page


def test_pages_are_in_english_by_default(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert '<h1 class="h4 mb-3">Sign in</h1>' in page


# CSP and templates --------------------------------------------------------------------------


def test_pages_carry_a_csp_whose_script_src_allows_no_inline_script(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert directives["style-src"] == ["'self'"]


def test_no_template_has_inline_script_inline_style_or_event_handlers():
    offenders = []
    for path in TEMPLATES_DIR.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            if not re.search(r"\bsrc\s*=", tag, re.I):
                offenders.append(f"{path}: inline script {tag}")
        if re.search(r"\sstyle\s*=", text, re.I):
            offenders.append(f"{path}: style attribute")
        if re.search(r"<style\b", text, re.I):
            offenders.append(f"{path}: <style> block")
        if re.search(r"<[^>]*\son[a-z]+\s*=", text, re.I) or "javascript:" in text.lower():
            offenders.append(f"{path}: inline event handler")
    assert offenders == []


def test_base_layout_references_no_external_url(client):
    html = client.get("/accounts/login/").content.decode()
    assert not re.search(r'(src|href|action)="(https?:)?//', html)
    template = (TEMPLATES_DIR / "base.html").read_text(encoding="utf-8")
    assert "http://" not in template and "https://" not in template


# Static files -------------------------------------------------------------------------------


def test_bootstrap_is_served_by_the_portal_itself(settings):
    css = finders.find("vendor/bootstrap/css/bootstrap.min.css")
    js = finders.find("vendor/bootstrap/js/bootstrap.bundle.min.js")
    assert css and js
    assert finders.find("vendor/bootstrap/LICENSE")

    # WhiteNoise serves straight from the static directories, as in development.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()
    response = client.get(f"{settings.STATIC_URL}vendor/bootstrap/css/bootstrap.min.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"@charset") or b"Bootstrap" in body[:200]

    page = client.get("/accounts/login/").content.decode()
    assert f'href="{settings.STATIC_URL}vendor/bootstrap/css/bootstrap.min.css"' in page
    assert f'src="{settings.STATIC_URL}js/portal.js"' in page


# Error pages --------------------------------------------------------------------------------


def test_unknown_page_answers_a_helpful_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/"' in html


def test_unknown_api_path_answers_404_json(client):
    response = client.get("/api/v1/nope/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_404_page_follows_the_language(client):
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到页面" in response.content.decode()


def test_server_error_page_renders_without_a_request_context():
    request = RequestFactory().get("/anything/")
    with translation.override("zh-hant"):
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="zh-hant">' in html
    assert 'href="/"' in html


def test_server_error_under_the_api_is_json():
    response = views.server_error(RequestFactory().get("/api/v1/parks/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "server_error"


def test_bad_request_and_permission_denied_pages_link_home():
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    for handler, status in ((views.bad_request, 400), (views.permission_denied, 403)):
        response = handler(request, Exception())
        assert response.status_code == status
        assert 'href="/"' in response.content.decode()


def test_the_favicon_a_browser_asks_for_first_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[0][0].startswith("/static/favicon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
