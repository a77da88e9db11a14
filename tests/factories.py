"""factory_boy factories shared by the whole suite.

Institutions get valid registration numbers (a USCC with its GB 32100-2015 check character, an
8-digit Hong Kong BR number); API tokens are only ever made by the service that hashes them.
"""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from factory.django import DjangoModelFactory

from hetao.models import ApiScope, ApiToken, User
from hetao.services import api_token_create
from zone.models import Institution, Jurisdiction, Membership, Park, Site
from zone.validators import uscc_check_character

PASSWORD = "correct-horse-battery-staple"


def valid_uscc(n: int) -> str:
    """An 18-character Unified Social Credit Code of a Shenzhen enterprise, with a correct check character."""
    first17 = f"91440300{n:09d}"
    return first17 + uscc_check_character(first17)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(PASSWORD)


class StaffUserFactory(UserFactory):
    """Zone staff, in a role group when one is named: `StaffUserFactory(role="auditor")`."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        if create and extracted:
            user.groups.add(Group.objects.get(name=extracted))


class InstitutionFactory(DjangoModelFactory):
    """A mainland enterprise; `InstitutionFactory(hk=True)` a Hong Kong one with a BR number."""

    class Meta:
        model = Institution

    class Params:
        hk = factory.Trait(
            jurisdiction=Jurisdiction.HKSAR,
            registration_type=Institution.RegistrationType.HK_BR,
            registration_no=factory.Sequence(lambda n: f"{52000000 + n:08d}"),
            kind=Institution.Kind.UNIVERSITY,
        )

    kind = Institution.Kind.ENTERPRISE
    jurisdiction = Jurisdiction.MAINLAND
    registration_type = Institution.RegistrationType.USCC
    registration_no = factory.Sequence(valid_uscc)
    name_en = factory.Sequence(lambda n: f"Institution {n:05d}")
    email = factory.LazyAttribute(lambda institution: f"office{institution.registration_no[-4:]}@example.org")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = Membership.Role.OWNER


class ParkFactory(DjangoModelFactory):
    class Meta:
        model = Park
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    name_en = factory.LazyAttribute(lambda park: f"Park {park.code}")
    jurisdiction = Jurisdiction.MAINLAND
    area_km2 = Decimal("3.02")


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    park = factory.SubFactory(ParkFactory, code="SZ", name_en="Shenzhen park")
    code = factory.Sequence(lambda n: f"SITE-{n:05d}")
    kind = Site.Kind.BUILDING
    name_en = factory.Sequence(lambda n: f"Building {n}")
    floor_area_m2 = Decimal("12000.00")


class ApiTokenFactory:
    """Tokens through `api_token_create`, the only way to learn a secret: `token, secret = ApiTokenFactory.create()`.

    Without an owner, an unbound token belongs to a new zone staff member, and a bound token to a
    new owner-member of the institution.
    """

    @staticmethod
    def create(
        *,
        owner: User | None = None,
        scopes=(ApiScope.WHITELIST_READ,),
        institution: Institution | None = None,
        name: str = "Partner system",
        **kwargs,
    ) -> tuple[ApiToken, str]:
        if owner is None:
            owner = StaffUserFactory() if institution is None else MembershipFactory(institution=institution).user
        return api_token_create(owner=owner, name=name, scopes=list(scopes), institution=institution, **kwargs)
