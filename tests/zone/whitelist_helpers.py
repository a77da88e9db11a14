"""Builders for whitelist tests: institutions, members, reviewers, documents."""

import io
import itertools

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hetao.models import User
from hetao.roles import WHITELIST_REVIEWER
from zone import services
from zone.models import Institution, Jurisdiction, Membership
from zone.validators import uscc_check_character

_counter = itertools.count(1)


def valid_uscc(n: int) -> str:
    body = f"91440300{n:09d}"
    return body + uscc_check_character(body)


def make_institution(**fields) -> Institution:
    n = next(_counter)
    defaults = {
        "name_en": f"Shenzhen Research Co. {n}",
        "kind": Institution.Kind.ENTERPRISE,
        "jurisdiction": Jurisdiction.MAINLAND,
        "registration_type": Institution.RegistrationType.USCC,
        "registration_no": valid_uscc(n + 1000),
        "email": f"office{n}@example.cn",
    }
    defaults.update(fields)
    return Institution.objects.create(**defaults)


def make_user(prefix: str = "user", **fields) -> User:
    n = next(_counter)
    return User.objects.create_user(
        username=f"{prefix}{n}", email=f"{prefix}{n}@example.org", password="a-long-password-1", **fields
    )


def make_member(institution: Institution, role: str = Membership.Role.FILER, **fields) -> User:
    user = make_user(role, **fields)
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


def make_reviewer(**fields) -> User:
    user = make_user("reviewer", is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=WHITELIST_REVIEWER))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def pdf_bytes() -> bytes:
    """A small valid one-page PDF, made here so the tests need no fixture files."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return out.getvalue()


def pdf_upload(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def submitted_application(institution=None, filer=None):
    institution = institution or make_institution()
    filer = filer or make_member(institution, Membership.Role.FILER)
    application = services.application_create(
        institution=institution,
        actor=filer,
        requested_scopes=["goods", "research_funds"],
        research_fields="Biomedicine",
        justification="Reagents cross the first line every week.",
    )
    services.document_add(application_id=application.pk, actor=filer, kind="research_plan", uploaded=pdf_upload())
    services.application_submit(application_id=application.pk, actor=filer)
    application.refresh_from_db()
    return application, filer


def application_under_review(institution=None):
    application, filer = submitted_application(institution)
    reviewer = make_reviewer()
    services.application_assign(application_id=application.pk, reviewer=reviewer, actor=reviewer)
    application.refresh_from_db()
    return application, filer, reviewer
