import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from hetao.models import User
from hetao.roles import CUSTOMS_OFFICER
from zone.models import Institution, Membership
from zone.validators import uscc_check_character


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier test left active in the thread."""
    with translation.override("en"):
        yield


PASSWORD = "a-long-enough-passphrase-2026"
USCC = "91440304MA5HT0Q13" + uscc_check_character("91440304MA5HT0Q13")


def _create_user(*args) -> str:
    out = StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def institution(db):
    return Institution.objects.create(
        name_en="Shenzhen Hetao Quantum Devices Co., Ltd.",
        kind="enterprise",
        jurisdiction="mainland",
        registration_type="uscc",
        registration_no=USCC,
    )


@pytest.mark.django_db
def test_create_user_makes_a_staff_member_in_the_role_group():
    output = _create_user(
        "alice", "--email", "alice@hetao.example", "--password", PASSWORD, "--staff-role", CUSTOMS_OFFICER
    )

    user = User.objects.get(username="alice")
    assert "Created user “alice”" in output
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [CUSTOMS_OFFICER]
    assert user.check_password(PASSWORD)
    assert user.email == "alice@hetao.example"


@pytest.mark.django_db
def test_create_user_makes_an_institution_member_with_a_language(institution):
    output = _create_user(
        "bob",
        "--email",
        "bob@htquantum.example.cn",
        "--password",
        PASSWORD,
        "--institution",
        institution.registration_no.lower(),
        "--role",
        "filer",
        "--language",
        "zh-hans",
    )

    user = User.objects.get(username="bob")
    assert Membership.objects.get(user=user, institution=institution).role == "filer"
    assert user.language == "zh-hans"
    assert not user.is_staff
    assert institution.registration_no in output


@pytest.mark.django_db
def test_create_user_without_a_password_and_terminal_leaves_the_password_to_a_reset():
    output = _create_user("carol", "--email", "carol@hetao.example")

    assert not User.objects.get(username="carol").has_usable_password()
    assert "Forgot your password?" in output


@pytest.mark.django_db
def test_create_user_refuses_an_unknown_institution():
    with pytest.raises(CommandError, match="No institution is registered with the number “12345678”"):
        _create_user(
            "dave", "--email", "d@x.example", "--password", PASSWORD, "--institution", "12345678", "--role", "owner"
        )

    assert not User.objects.filter(username="dave").exists()


@pytest.mark.django_db
def test_create_user_refuses_an_unknown_institution_role(institution):
    with pytest.raises(CommandError, match=re.escape("Unknown institution role “boss”. Roles: owner, filer, viewer.")):
        _create_user("dave", "--email", "d@x.example", "--password", PASSWORD, "--institution", USCC, "--role", "boss")

    assert not User.objects.filter(username="dave").exists()


@pytest.mark.django_db
def test_create_user_needs_the_institution_and_its_role_together(institution):
    with pytest.raises(CommandError, match="--institution and --role go together"):
        _create_user("dave", "--email", "d@x.example", "--password", PASSWORD, "--institution", USCC)
    with pytest.raises(CommandError, match="--institution and --role go together"):
        _create_user("dave", "--email", "d@x.example", "--password", PASSWORD, "--role", "viewer")


@pytest.mark.django_db
def test_create_user_refuses_an_unknown_staff_role():
    with pytest.raises(CommandError, match=re.escape("Unknown staff role “king”. Staff roles: zone_admin, ")):
        _create_user("erin", "--email", "e@x.example", "--password", PASSWORD, "--staff-role", "king")

    assert not User.objects.filter(username="erin").exists()


@pytest.mark.django_db
def test_create_user_refuses_an_unknown_language():
    with pytest.raises(CommandError, match="Unknown language “fr”"):
        _create_user("erin", "--email", "e@x.example", "--password", PASSWORD, "--language", "fr")


@pytest.mark.django_db
def test_create_user_refuses_a_username_taken_in_any_letter_case():
    _create_user("frank", "--email", "f@x.example", "--password", PASSWORD)

    with pytest.raises(CommandError, match=re.escape("A user with this username already exists.")):
        _create_user("Frank", "--email", "f2@x.example", "--password", PASSWORD)

    assert User.objects.filter(username__iexact="frank").count() == 1


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "too short"),
        ("1234567890123", "entirely numeric"),
        ("password123", "too common"),
    ],
)
@pytest.mark.django_db
def test_create_user_refuses_a_weak_password(password, reason):
    with pytest.raises(CommandError, match=reason):
        _create_user("grace", "--email", "g@x.example", "--password", password)

    assert not User.objects.filter(username="grace").exists()


@pytest.mark.django_db
def test_create_user_refuses_an_invalid_email():
    with pytest.raises(CommandError, match="valid email"):
        _create_user("heidi", "--email", "not-an-address", "--password", PASSWORD)

    assert not User.objects.filter(username="heidi").exists()


@pytest.mark.django_db
def test_create_user_audits_the_account_as_created_by_the_command():
    import pghistory.models

    _create_user("ivan", "--email", "i@x.example", "--password", PASSWORD)

    event = pghistory.models.MiddlewareEvents.objects.filter(pgh_model="hetao.UserEvent", pgh_label="insert").get()
    assert event.pgh_context == {"channel": "command", "command": "create_user"}
