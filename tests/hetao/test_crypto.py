"""Personal data at rest: encryption with rotating keys, keyed hashes, masking."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from hetao import crypto


def test_a_value_is_encrypted_differently_each_time_and_decrypts_to_itself():
    first, second = crypto.encrypt("E12345678"), crypto.encrypt("E12345678")
    assert first != second and "E12345678" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "E12345678"


def test_a_rotated_key_list_still_reads_old_values_and_rotation_moves_them_to_the_new_key():
    old_token = crypto.encrypt("H1234567890")
    new_key = crypto.generate_key()
    with override_settings(PERSONAL_DATA_KEYS=[new_key, *settings.PERSONAL_DATA_KEYS]):
        assert crypto.decrypt(old_token) == "H1234567890"
        rotated = crypto.rotate(old_token)
    with override_settings(PERSONAL_DATA_KEYS=[new_key]):
        assert crypto.decrypt(rotated) == "H1234567890"
        with pytest.raises(ImproperlyConfigured, match="dropped too early"):
            crypto.decrypt(old_token)


def test_keyed_hashes_ignore_spacing_case_and_full_width_digits_and_depend_on_the_key():
    plain = crypto.keyed_hash("A123456(7)", purpose="doc")
    assert crypto.keyed_hash(" a 123456 (７) ", purpose="doc") == plain
    assert crypto.keyed_hash("A123456(7)", purpose="other") != plain
    assert crypto.keyed_hash("A123456(7)", purpose="doc", key="another key") != plain


def test_masking_shows_only_the_last_four_characters():
    assert crypto.mask("440305199001011234") == "••••1234"
    assert crypto.mask("") == ""


def test_a_key_that_is_not_a_fernet_key_is_a_clear_configuration_error():
    with override_settings(PERSONAL_DATA_KEYS=["not-a-key"]), pytest.raises(ImproperlyConfigured, match="Fernet"):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_rotate_encryption_keys_re_encrypts_stored_values_with_the_first_key():
    from tests.factories import InstitutionFactory, UserFactory
    from zone.models import RegisteredPerson, TravelDocumentType

    institution = InstitutionFactory()
    person = RegisteredPerson(
        institution=institution,
        name_en="Chan Tai Man",
        nationality="HK",
        valid_from="2026-01-01",
        valid_until="2027-01-01",
        created_by=UserFactory(),
    )
    person.set_document(TravelDocumentType.PASSPORT, "K12345678")
    person.save()

    def stored_token():
        with connection.cursor() as cursor:
            cursor.execute("SELECT document_number FROM zone_registeredperson WHERE id = %s", [person.pk])
            return cursor.fetchone()[0]

    before = stored_token()
    assert "K12345678" not in before
    new_key = crypto.generate_key()
    with override_settings(PERSONAL_DATA_KEYS=[new_key, *settings.PERSONAL_DATA_KEYS]):
        out = StringIO()
        call_command("rotate_encryption_keys", stdout=out)
        assert "zone.RegisteredPerson: 1 records re-encrypted." in out.getvalue()
    after = stored_token()
    assert after != before
    with override_settings(PERSONAL_DATA_KEYS=[new_key]):
        assert RegisteredPerson.objects.get(pk=person.pk).document_number == "K12345678"


def test_generate_data_key_prints_a_usable_key():
    out = StringIO()
    call_command("generate_data_key", stdout=out)
    key = out.getvalue().strip()
    with override_settings(PERSONAL_DATA_KEYS=[key]):
        assert crypto.decrypt(crypto.encrypt("x")) == "x"
