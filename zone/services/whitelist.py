"""Whitelist applications: drafts, documents, submission, review, decisions and comments."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.errors import NotAllowed
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX, bounded_date, bounded_text
from hetao.models import User
from hetao.notifications import localised, notify
from hetao.uploads import check_document

from ..models import (
    SCOPE_VALUES,
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    EntryStatus,
    Institution,
    Membership,
    WhitelistApplication,
    WhitelistEntry,
)
from ..permissions import can_file, is_reviewer, member_role, reviewers
from ..workflow import APPLICATION, APPROVE, ASSIGN, EDIT, REJECT, REQUEST_CHANGES, SUBMIT, WITHDRAW
from .registry import default_valid_until, entry_params, next_filing_no

# --- applications -------------------------------------------------------------------------------


def _lock_application(application_id: int) -> WhitelistApplication:
    return WhitelistApplication.objects.select_for_update().select_related("institution").get(pk=application_id)


def _record(application, *, action: str, from_status: str, actor: User, note: str = "", params=None) -> None:
    ApplicationStep.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=application.status,
        actor=actor,
        note=note,
        params=params or {},
    )


def _application_params(application) -> dict:
    """What notifications about an application say of it, in every portal language."""
    return {
        "application_id": application.pk,
        "institution": localised(lambda: application.institution.name),
        "kind": localised(application.get_kind_display),
    }


def _comment_params(application, comment) -> dict:
    return {**_application_params(application), "author": comment.author.get_username(), "body": comment.body}


def _clean_scopes(scopes) -> list[str]:
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in SCOPE_VALUES]
    if unknown:
        raise ValidationError({"requested_scopes": _("Unknown scope(s): %(s)s.") % {"s": ", ".join(unknown)}})
    return scopes


def _require_filer(actor: User, institution_id: int) -> None:
    if not can_file(actor, institution_id):
        raise NotAllowed(_("Only owners and filers of the institution can do this."))


def _applicant_members(application) -> list[User]:
    return list(
        User.objects.filter(
            memberships__institution_id=application.institution_id,
            is_active=True,
            memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER],
        ).distinct()
    )


@transaction.atomic
def application_create(
    *,
    institution: Institution,
    actor: User,
    kind: str = WhitelistApplication.Kind.NEW,
    requested_scopes=(),
    research_fields: str = "",
    justification: str = "",
) -> WhitelistApplication:
    """Start a draft application for an institution."""
    _require_filer(actor, institution.pk)
    if kind not in WhitelistApplication.Kind.values:
        raise ValidationError({"kind": _("Unknown application kind.")})
    has_entry = WhitelistEntry.objects.filter(
        institution=institution, status__in=[EntryStatus.ACTIVE, EntryStatus.SUSPENDED, EntryStatus.EXPIRED]
    ).exists()
    if kind != WhitelistApplication.Kind.NEW and not has_entry:
        raise ValidationError({"kind": _("A renewal or scope change needs an existing whitelist entry.")})
    application = WhitelistApplication.objects.create(
        institution=institution,
        kind=kind,
        requested_scopes=_clean_scopes(requested_scopes),
        research_fields=bounded_text(research_fields, limit=SHORT_TEXT_MAX, field="research_fields"),
        justification=bounded_text(justification, limit=LONG_TEXT_MAX, field="justification"),
        created_by=actor,
    )
    _record(application, action="create", from_status="", actor=actor)
    return application


@transaction.atomic
def application_update(*, application_id: int, actor: User, **fields) -> WhitelistApplication:
    """Change a draft (or an application returned for changes)."""
    application = _lock_application(application_id)
    APPLICATION.take(EDIT, application, actor)
    changed = []
    for name in ("kind", "requested_scopes", "research_fields", "justification"):
        if name in fields:
            value = fields[name]
            if name == "requested_scopes":
                value = _clean_scopes(value)
            elif name == "kind" and value not in WhitelistApplication.Kind.values:
                raise ValidationError({"kind": _("Unknown application kind.")})
            elif name == "research_fields":
                value = bounded_text(value, limit=SHORT_TEXT_MAX, field=name)
            elif name == "justification":
                value = bounded_text(value, limit=LONG_TEXT_MAX, field=name)
            setattr(application, name, value)
            changed.append(name)
    if changed:
        application.save(update_fields=[*changed, "updated_at"])
    return application


@transaction.atomic
def document_add(*, application_id: int, actor: User, kind: str, uploaded) -> ApplicationDocument:
    """Attach a document; its content decides whether it is a PDF or image, and it is stored under a new name."""
    application = _lock_application(application_id)
    APPLICATION.take(EDIT, application, actor)
    if kind not in ApplicationDocument.Kind.values:
        raise ValidationError({"kind": _("Unknown document kind.")})
    checked = check_document(uploaded)
    original = (getattr(uploaded, "name", "") or "document").rsplit("/", 1)[-1][:255]
    document = ApplicationDocument(
        application=application,
        kind=kind,
        stored_name=checked.stored_name,
        original_name=original,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save(checked.stored_name, ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        document.file.storage.delete(document.file.name)  # no row, so no file either
        raise
    return document


@transaction.atomic
def document_delete(*, document_id: int, actor: User) -> None:
    document = ApplicationDocument.objects.select_related("application").get(pk=document_id)
    application = _lock_application(document.application_id)
    APPLICATION.take(EDIT, application, actor)
    name = document.file.name
    document.delete()
    transaction.on_commit(lambda: document.file.storage.delete(name))


@transaction.atomic
def application_submit(*, application_id: int, actor: User) -> WhitelistApplication:
    """Hand a complete application to the reviewers."""
    application = _lock_application(application_id)
    before = application.status
    target = APPLICATION.take(SUBMIT, application, actor)
    problems = {}
    if not application.requested_scopes:
        problems["requested_scopes"] = _("Choose at least one scope.")
    if not application.justification:
        problems["justification"] = _("Explain why the institution needs the whitelist filing.")
    if not application.documents.exists():
        problems["documents"] = _("Attach at least one document (for example the research plan).")
    if problems:
        raise ValidationError(problems)
    application.status = target
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(application, action=SUBMIT, from_status=before, actor=actor)
    recipients = [application.reviewer] if application.reviewer_id else list(reviewers())
    notify(
        users=recipients,
        kind="application_submitted",
        params=_application_params(application),
        link=f"/staff/whitelist/applications/{application.pk}/",
    )
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, actor: User, reason: str = "") -> WhitelistApplication:
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    application = _lock_application(application_id)
    before = application.status
    application.status = APPLICATION.take(WITHDRAW, application, actor)
    application.save(update_fields=["status", "updated_at"])
    _record(application, action=WITHDRAW, from_status=before, actor=actor, note=reason.strip())
    return application


@transaction.atomic
def application_assign(*, application_id: int, reviewer: User, actor: User) -> WhitelistApplication:
    """Give an application to a reviewer; a submitted application goes under review."""
    if not is_reviewer(actor):  # before anything about the assignee: a stranger learns nothing of it
        raise NotAllowed(_("Only whitelist reviewers can do this."))
    if not is_reviewer(reviewer):
        raise ValidationError({"reviewer": _("The assignee must be a whitelist reviewer.")})
    application = _lock_application(application_id)
    before = application.status
    target = APPLICATION.take(ASSIGN, application, actor)
    if member_role(reviewer, application.institution_id) is not None:
        raise ValidationError({"reviewer": _("A member of the applying institution cannot review its application.")})
    application.status = target
    application.reviewer = reviewer
    application.save(update_fields=["status", "reviewer", "updated_at"])
    _record(
        application,
        action=ASSIGN,
        from_status=before,
        actor=actor,
        params={"reviewer": reviewer.get_username()},
    )
    if reviewer.pk != actor.pk:
        notify(
            users=[reviewer],
            kind="application_assigned",
            params=_application_params(application),
            link=f"/staff/whitelist/applications/{application.pk}/",
        )
    return application


@transaction.atomic
def application_request_changes(*, application_id: int, actor: User, message: str) -> WhitelistApplication:
    """Return the application to the applicant with a message they can read."""
    message = bounded_text(message, limit=COMMENT_MAX, field="message")
    application = _lock_application(application_id)
    before = application.status
    target = APPLICATION.take(REQUEST_CHANGES, application, actor)
    if not message:
        raise ValidationError({"message": _("Tell the applicant what to change.")})
    application.status = target
    application.save(update_fields=["status", "updated_at"])
    ApplicationComment.objects.create(
        application=application,
        author=actor,
        visibility=ApplicationComment.Visibility.APPLICANT,
        body=message.strip(),
    )
    _record(application, action=REQUEST_CHANGES, from_status=before, actor=actor, note=message.strip())
    notify(
        users=_applicant_members(application),
        kind="changes_requested",
        params={**_application_params(application), "message": message.strip()},
        link=f"/whitelist/applications/{application.pk}/",
    )
    return application


@transaction.atomic
def application_approve(
    *,
    application_id: int,
    actor: User,
    scopes=None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    note: str = "",
) -> WhitelistEntry:
    """Approve: create the institution's whitelist entry, or renew / rescope the one it has."""
    note = bounded_text(note, limit=COMMENT_MAX, field="note")
    bounded_date(valid_from, field="valid_from")
    bounded_date(valid_until, field="valid_until")
    application = _lock_application(application_id)
    before = application.status
    target = APPLICATION.take(APPROVE, application, actor)
    scopes = _clean_scopes(application.requested_scopes if scopes is None else scopes)
    if not scopes:
        raise ValidationError({"scopes": _("Approve at least one scope.")})
    today = timezone.localdate()
    valid_from = valid_from or today
    valid_until = bounded_date(valid_until or default_valid_until(valid_from), field="valid_until")
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of validity must not be before its start.")})
    if valid_until < today:
        raise ValidationError({"valid_until": _("The end of validity must not be in the past.")})

    # Two applications of one institution may be decided at the same moment: lock the
    # institution, so the second decision waits and then renews the entry the first created.
    Institution.objects.select_for_update().filter(pk=application.institution_id).first()
    entry = (
        WhitelistEntry.objects.select_for_update()
        .filter(institution_id=application.institution_id)
        .exclude(status=EntryStatus.REVOKED)
        .order_by("-valid_until", "-pk")
        .first()
    )
    if entry is None:
        entry = WhitelistEntry.objects.create(
            institution_id=application.institution_id,
            filing_no=next_filing_no(today),
            scopes=scopes,
            valid_from=valid_from,
            valid_until=valid_until,
            status=EntryStatus.ACTIVE,
        )
    else:
        entry.scopes, entry.valid_from, entry.valid_until = scopes, valid_from, valid_until
        entry.status, entry.status_reason, entry.renewal_reminder_sent_at = EntryStatus.ACTIVE, "", None
        entry.save(
            update_fields=[
                "scopes",
                "valid_from",
                "valid_until",
                "status",
                "status_reason",
                "renewal_reminder_sent_at",
                "updated_at",
            ]
        )

    application.status = target
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = note.strip()
    application.entry = entry
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "entry", "updated_at"])
    _record(application, action=APPROVE, from_status=before, actor=actor, note=note.strip())
    notify(
        users=_applicant_members(application),
        kind="application_approved",
        params={**_application_params(application), **entry_params(entry)},
        link=f"/whitelist/applications/{application.pk}/",
    )
    return entry


@transaction.atomic
def application_reject(*, application_id: int, actor: User, reason: str) -> WhitelistApplication:
    reason = bounded_text(reason, limit=COMMENT_MAX, field="reason")
    application = _lock_application(application_id)
    before = application.status
    target = APPLICATION.take(REJECT, application, actor)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    application.status = target
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _record(application, action=REJECT, from_status=before, actor=actor, note=reason.strip())
    notify(
        users=_applicant_members(application),
        kind="application_rejected",
        params={**_application_params(application), "reason": reason.strip()},
        link=f"/whitelist/applications/{application.pk}/",
    )
    return application


@transaction.atomic
def comment_add(*, application_id: int, actor: User, body: str, visibility: str) -> ApplicationComment:
    """Staff comment internally or to the applicant; applicants' comments are always visible to both."""
    body = bounded_text(body, limit=COMMENT_MAX, field="body")
    application = _lock_application(application_id)
    if not body:
        raise ValidationError({"body": _("The comment is empty.")})
    if visibility not in ApplicationComment.Visibility.values:
        raise ValidationError({"visibility": _("Unknown visibility.")})
    staff = is_reviewer(actor)
    if not staff:
        if member_role(actor, application.institution_id) is None:
            raise NotAllowed(_("You are not a member of the applying institution."))
        if member_role(actor, application.institution_id) == Membership.Role.VIEWER:
            raise NotAllowed(_("Viewers cannot comment."))
        visibility = ApplicationComment.Visibility.APPLICANT
    comment = ApplicationComment.objects.create(
        application=application, author=actor, visibility=visibility, body=body.strip()
    )
    if visibility == ApplicationComment.Visibility.APPLICANT:
        if staff:
            notify(
                users=_applicant_members(application),
                kind="comment_added",
                params=_comment_params(application, comment),
                link=f"/whitelist/applications/{application.pk}/",
            )
        elif application.reviewer_id:
            notify(
                users=[application.reviewer],
                kind="comment_added",
                params=_comment_params(application, comment),
                link=f"/staff/whitelist/applications/{application.pk}/",
            )
    return comment
