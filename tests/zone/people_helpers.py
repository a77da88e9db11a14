"""Builders for the registered persons and passage check tests: institutions whose whitelist entry
covers personnel, persons in each state, customs officers and checkpoints."""

import itertools
from datetime import timedelta

from django.utils import timezone

from customs.models import Checkpoint, Line
from hetao.models import User
from hetao.roles import CUSTOMS_OFFICER
from tests.factories import ParkFactory, StaffUserFactory
from zone import services
from zone.models import Institution, Membership, RegisteredPerson
from zone.validators import hk_id_check_character, mainland_id_check_character

from .whitelist_helpers import application_under_review, make_member

_numbers = itertools.count(1)


def passport_number() -> str:
    """A passport number no other test uses."""
    return f"PT{next(_numbers):07d}"


def mainland_id(born: str = "19880512", sequence: str = "123") -> str:
    first17 = f"440304{born}{sequence}"
    return first17 + mainland_id_check_character(first17)


def hk_id(letters: str = "A", digits: str = "123456") -> str:
    return f"{letters}{digits}({hk_id_check_character(letters, digits)})"


def whitelisted(scopes=("goods", "personnel"), institution=None):
    """An institution with an active whitelist entry of `scopes`: (institution, filer, reviewer, entry)."""
    application, filer, reviewer = application_under_review(institution)
    entry = services.application_approve(application_id=application.pk, actor=reviewer, scopes=list(scopes))
    return application.institution, filer, reviewer, entry


def person_fields(**changes) -> dict:
    today = timezone.localdate()
    fields = {
        "name_en": "Chan Tai Man",
        "name_zh": "陳大文",
        "document_type": "passport",
        "document_number": passport_number(),
        "nationality": "CN",
        "position": "Postdoctoral fellow",
        "valid_from": today,
        "valid_until": today + timedelta(days=365),
        "designated_carrier": False,
    }
    fields.update(changes)
    return fields


def draft_person(institution: Institution, filer: User, **changes) -> RegisteredPerson:
    return services.person_create(institution=institution, actor=filer, **person_fields(**changes))


def submitted_person(institution: Institution, filer: User, **changes) -> RegisteredPerson:
    person = draft_person(institution, filer, **changes)
    return services.person_submit(person_id=person.pk, actor=filer)


def approved_person(institution: Institution, filer: User, reviewer: User, **changes) -> RegisteredPerson:
    person = submitted_person(institution, filer, **changes)
    return services.person_approve(person_id=person.pk, actor=reviewer)


def customs_officer(**fields) -> User:
    user = StaffUserFactory(role=CUSTOMS_OFFICER, **fields)
    return User.objects.get(pk=user.pk)  # fresh permission cache


def checkpoint(code: str = "HT-NO1", *, hand_carry: bool = True, active: bool = True) -> Checkpoint:
    found = Checkpoint.objects.filter(code=code).first()
    if found is not None:
        return found
    return Checkpoint.objects.create(
        code=code,
        line=Line.FIRST,
        park=ParkFactory(code="SZ", name_en="Shenzhen park"),
        hand_carry=hand_carry,
        active=active,
        name_en=f"Checkpoint {code}",
    )


def owner_of(institution: Institution) -> User:
    return make_member(institution, Membership.Role.OWNER)
