"""Builders for whitelist tests, on top of the suite's factories: members, reviewers, documents."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hetao.models import User
from hetao.roles import WHITELIST_REVIEWER
from tests.factories import InstitutionFactory, MembershipFactory, StaffUserFactory, UserFactory, valid_uscc
from zone import services
from zone.models import Institution, Membership

__all__ = ["valid_uscc"]


def make_institution(**fields) -> Institution:
    return InstitutionFactory(**fields)


def make_member(institution: Institution, role: str = Membership.Role.FILER, **fields) -> User:
    return MembershipFactory(institution=institution, role=role, user=UserFactory(**fields)).user


def make_reviewer(**fields) -> User:
    user = StaffUserFactory(role=WHITELIST_REVIEWER, **fields)
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
