"""Sign-in, brute-force lockout, sign-out, password change and password reset."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation

from hetao import services
from hetao.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware leaves a request's language active in the thread: restore the default for later tests."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


PASSWORD = "a-long-password-1"
NEW_PASSWORD = "another-long-passphrase-2"


@pytest.fixture
def person():
    return services.user_create(username="meiling", email="meiling@example.org", password=PASSWORD)


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_has_labelled_fields_and_a_reset_link(client):
    html = client.get("/accounts/login/").content.decode()
    assert '<label class="form-label" for="id_username">' in html
    assert '<label class="form-label" for="id_password">' in html
    assert 'href="/accounts/password/reset/"' in html


def test_login_with_the_right_password_signs_in_and_goes_home(client, person):
    response = login(client, "meiling", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == person


def test_login_with_a_wrong_password_shows_an_error(client, person):
    response = login(client, "meiling", "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_after_the_failure_limit_even_the_right_password_is_locked_out(client, person):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "meiling", "wrong-guess").status_code == 200
    login(client, "meiling", "wrong-guess")

    response = login(client, "meiling", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Account locked" in html
    assert "This account is locked for 30 minutes." in html
    assert "_auth_user_id" not in client.session


def test_lockout_page_is_translated(client, person):
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"})
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "meiling", "wrong-guess")
    response = login(client, "meiling", PASSWORD)
    assert response.status_code == 429
    assert "帳戶已鎖定" in response.content.decode()


def test_logout_needs_a_post(client, person):
    client.force_login(person)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/logged-out/"
    assert "_auth_user_id" not in client.session
    assert "You have signed out" in client.get(response["Location"]).content.decode()


def test_password_change_sets_the_new_password(client, person):
    client.force_login(person)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert "Password changed" in client.get(response["Location"]).content.decode()


def test_password_change_refuses_a_wrong_current_password(client, person):
    client.force_login(person)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_password_reset_mails_a_link_that_sets_a_new_password(person, worker_outbox):
    client = Client()
    response = client.post("/accounts/password/reset/", {"email": "meiling@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    (message,) = worker_outbox(wait_for=1)  # sent by the Celery worker
    assert message.to == ["meiling@example.org"]
    assert message.subject == "Hetao Zone Portal: reset your password"
    assert "Hello meiling," in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body).group(1)

    # The link redirects to a URL without the token, which shows the form.
    form_url = client.get(link)["Location"]
    form_page = client.get(form_url)
    assert form_page.status_code == 200
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/accounts/reset/done/"
    assert User.objects.get(pk=person.pk).check_password(NEW_PASSWORD)

    # A used link is no longer valid.
    assert "This link is no longer valid" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client, person):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert mail.outbox == []
