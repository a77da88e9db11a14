import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from zone.models import Institution
from zone.validators import (
    USCC_ALPHABET,
    normalise_registration_no,
    uscc_check_character,
    validate_hk_br,
    validate_hk_statutory,
    validate_uscc,
)


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English, whatever language an earlier test left active in the thread."""
    with translation.override("en"):
        yield


# The first 17 characters of codes of each kind of issuer; the check character is computed.
BODIES = [
    "91440300MA5DC0C8T",  # enterprise registered in Shenzhen
    "91110000100000001",  # enterprise registered in Beijing
    "12440304MB2C70484",  # public institution (事业单位) in Futian
    "52440300MJL17632X",  # social organisation
    "Y1440300000000000",  # other issuing authority
]


def _code(first17: str) -> str:
    return first17 + uscc_check_character(first17)


@pytest.mark.parametrize("first17", BODIES)
def test_a_code_with_its_computed_check_character_is_valid(first17):
    validate_uscc(_code(first17))


def test_the_check_character_follows_gb_32100_2015():
    # Worked by hand: sum of alphabet index × weight over the 17 characters, then 31 - sum mod 31.
    first17 = "91350100M000100Y4"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))

    assert uscc_check_character(first17) == USCC_ALPHABET[(31 - total % 31) % 31]
    assert uscc_check_character("00000000000000000") == "0"


@pytest.mark.parametrize("first17", BODIES)
@pytest.mark.parametrize("position", [0, 7, 8, 16, 17])
def test_changing_any_one_character_invalidates_the_code(first17, position):
    code = _code(first17)
    for replacement in USCC_ALPHABET:
        if replacement == code[position]:
            continue
        corrupted = code[:position] + replacement + code[position + 1 :]
        with pytest.raises(ValidationError) as error:
            validate_uscc(corrupted)
        assert error.value.code == "uscc_check"


def test_swapping_two_neighbouring_characters_invalidates_the_code():
    code = _code(BODIES[0])
    swapped = code[:9] + code[10] + code[9] + code[11:]
    assert swapped != code

    with pytest.raises(ValidationError):
        validate_uscc(swapped)


@pytest.mark.parametrize("length", [17, 19, 15, 0])
def test_a_code_of_the_wrong_length_is_refused(length):
    code = (_code(BODIES[0]) * 2)[:length]

    with pytest.raises(ValidationError) as error:
        validate_uscc(code)
    assert error.value.code == "uscc_format"
    assert "18 characters" in str(error.value.messages[0])


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_letters_outside_the_alphabet_are_refused(letter):
    code = _code(BODIES[0])
    with pytest.raises(ValidationError) as error:
        validate_uscc(code[:10] + letter + code[11:])
    assert error.value.code == "uscc_format"


def test_lower_case_codes_are_refused_by_the_validator_but_normalised_by_the_model():
    code = _code(BODIES[0])
    with pytest.raises(ValidationError):
        validate_uscc(code.lower())

    assert normalise_registration_no(f" {code.lower()[:9]} {code.lower()[9:]} ") == code


@pytest.mark.parametrize("number", ["12345678", "00000001", "68412357"])
def test_a_hong_kong_business_registration_number_has_eight_digits(number):
    validate_hk_br(number)


@pytest.mark.parametrize("number", ["1234567", "123456789", "1234567A", "", "1234 5678"])
def test_other_hong_kong_business_registration_numbers_are_refused(number):
    with pytest.raises(ValidationError) as error:
        validate_hk_br(number)
    assert error.value.code == "hk_br_format"


def test_statutory_body_identifiers_are_letters_digits_and_hyphens():
    validate_hk_statutory("LRU-CAP1199")
    with pytest.raises(ValidationError):
        validate_hk_statutory("-CAP1199")
    with pytest.raises(ValidationError):
        validate_hk_statutory("X")


def _institution(**overrides):
    values = {
        "name_en": "Futian Photonics Co., Ltd.",
        "kind": Institution.Kind.ENTERPRISE,
        "jurisdiction": "mainland",
        "registration_type": Institution.RegistrationType.USCC,
        "registration_no": _code(BODIES[0]),
    }
    return Institution(**{**values, **overrides})


@pytest.mark.django_db
def test_full_clean_refuses_an_invalid_code_on_the_registration_field():
    check = uscc_check_character(BODIES[0])
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(check) + 1) % len(USCC_ALPHABET)]
    institution = _institution(registration_no=BODIES[0] + wrong)

    with pytest.raises(ValidationError) as error:
        institution.full_clean()

    assert "check character does not match" in error.value.message_dict["registration_no"][0]


@pytest.mark.django_db
def test_full_clean_refuses_a_registration_already_taken_with_a_clear_message():
    _institution().save()
    duplicate = _institution(name_en="Another name", registration_no=_code(BODIES[0]).lower())

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()

    assert "An institution with this registration number is already registered." in error.value.messages


@pytest.mark.django_db
def test_the_database_refuses_a_registration_already_taken():
    _institution().save()

    with pytest.raises(IntegrityError, match="institution_registration_unique"), transaction.atomic():
        _institution(name_en="Another name").save()


@pytest.mark.django_db
def test_the_same_number_under_another_registration_type_is_a_different_registration():
    Institution.objects.create(
        name_en="A", kind="enterprise", jurisdiction="hksar", registration_type="hk_br", registration_no="12345678"
    )
    other = Institution(
        name_en="B",
        kind="university",
        jurisdiction="hksar",
        registration_type="hk_statutory",
        registration_no="12345678",
    )

    other.full_clean()
    other.save()


@pytest.mark.django_db
def test_a_mainland_code_for_a_hong_kong_institution_is_refused():
    with pytest.raises(ValidationError) as error:
        _institution(jurisdiction="hksar").full_clean()

    assert any("Mainland institutions register" in message for message in error.value.messages)
