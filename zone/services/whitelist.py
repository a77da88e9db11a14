"""Business operations of the zone: institution registration, members, whitelist filing and registry.

Every interface (institution portal, staff portal, admin, API, tasks) calls these functions.
Each is atomic, locks the rows it changes, re-checks the state after locking and records the
step; e-mails go out after commit.
"""

import hashlib
import secrets
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.errors import InvalidTransition, NotAllowed
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX, bounded_date, bounded_text
from hetao.models import User
from hetao.notifications import localised, notify
from hetao.services import membership_set, user_create
from hetao.uploads import check_document

from . import workflow
from .models import Institution, Membership
from .models_whitelist import (
    SCOPE_VALUES,
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    EntryStatus,
    FilingCounter,
    Invitation,
    WhitelistApplication,
    WhitelistEntry,
)
from .permissions import can_decide, can_file, is_reviewer, is_whitelist_manager, member_role

DEFAULT_VALIDITY_YEARS = 3
INVITATION_VALIDITY = timedelta(days=14)
RENEWAL_REMINDER_DAYS = 60


# --- institutions and members -----------------------------------------------------------------


@transaction.atomic
def institution_register(
    *, institution: Institution, username: str, email: str, password: str, language: str = "en"
) -> tuple[Institution, User]:
    """Register an institution and its first owner, who stays inactive until the e-mail is confirmed."""
    institution.full_clean()
    user = user_create(username=username, email=email, password=password, language=language)
    user.is_active = False
    user.save(update_fields=["is_active"])
    try:
        with transaction.atomic():
            institution.save()
    except IntegrityError:
        raise ValidationError(
            {"registration_no": _("An institution with this registration number is already registered.")}
        ) from None
    membership_set(user=user, institution=institution, role=Membership.Role.OWNER)
    return institution, user


@transaction.atomic
def invitation_create(*, institution: Institution, email: str, role: str, actor: User) -> tuple[Invitation, str]:
    """An owner invites a person by e-mail; returns the invitation and the secret for its link."""
    if member_role(actor, institution.pk) != Membership.Role.OWNER:
        raise NotAllowed(_("Only an owner of the institution can invite members."))
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role “%(role)s”.") % {"role": role}})
    email = email.strip().lower()
    if Membership.objects.filter(institution=institution, user__email__iexact=email).exists():
        raise ValidationError({"email": _("A member of the institution already uses this e-mail address.")})
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        institution=institution,
        email=email,
        role=role,
        invited_by=actor,
        token_hash=hashlib.sha256(secret.encode()).hexdigest(),
        expires_at=timezone.now() + INVITATION_VALIDITY,
    )
    return invitation, secret


def invitation_for_secret(secret: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("institution")
        .filter(token_hash=hashlib.sha256(secret.encode()).hexdigest())
        .first()
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, secret: str, user: User) -> Membership:
    """The invited person, signed in, accepts: they become a member in the invited role."""
    invitation = invitation_for_secret(secret)
    if invitation is None:
        raise ValidationError(_("This invitation is unknown, already used or expired."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation is unknown, already used or expired."))
    # The link proves control of the invited address only: another account may not use it.
    if (user.email or "").strip().lower() != invitation.email:
        raise ValidationError(
            _("This invitation was sent to %(email)s; sign in with the account that uses that address.")
            % {"email": invitation.email}
        )
    # Accepting never changes an existing role (an owner could otherwise demote themselves).
    if Membership.objects.filter(user=user, institution=invitation.institution).exists():
        raise ValidationError(_("You are already a member of this institution."))
    membership = membership_set(user=user, institution=invitation.institution, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


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


def _entry_params(entry) -> dict:
    return {"filing_no": entry.filing_no, "valid_until": entry.valid_until.isoformat()}


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


def _reviewers() -> list[User]:
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    permission = Permission.objects.get(codename="review_whitelistapplication", content_type__app_label="zone")
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission) | Q(is_superuser=True))
        .distinct()
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
    _require_filer(actor, application.institution_id)
    workflow.target_status(workflow.EDIT, application.status)
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
    _require_filer(actor, application.institution_id)
    workflow.target_status(workflow.EDIT, application.status)
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
    _require_filer(actor, application.institution_id)
    workflow.target_status(workflow.EDIT, application.status)
    name = document.file.name
    document.delete()
    transaction.on_commit(lambda: document.file.storage.delete(name))


@transaction.atomic
def application_submit(*, application_id: int, actor: User) -> WhitelistApplication:
    """Hand a complete application to the reviewers."""
    application = _lock_application(application_id)
    _require_filer(actor, application.institution_id)
    before = application.status
    target = workflow.submission_target(before, reviewer_assigned=application.reviewer_id is not None)
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
    _record(application, action=workflow.SUBMIT, from_status=before, actor=actor)
    recipients = [application.reviewer] if application.reviewer_id else _reviewers()
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
    _require_filer(actor, application.institution_id)
    before = application.status
    application.status = workflow.target_status(workflow.WITHDRAW, before)
    application.save(update_fields=["status", "updated_at"])
    _record(application, action=workflow.WITHDRAW, from_status=before, actor=actor, note=reason.strip())
    return application


def _require_reviewer(actor: User) -> None:
    if not is_reviewer(actor):
        raise NotAllowed(_("Only whitelist reviewers can do this."))


@transaction.atomic
def application_assign(*, application_id: int, reviewer: User, actor: User) -> WhitelistApplication:
    """Give an application to a reviewer; a submitted application goes under review."""
    _require_reviewer(actor)
    if not is_reviewer(reviewer):
        raise ValidationError({"reviewer": _("The assignee must be a whitelist reviewer.")})
    application = _lock_application(application_id)
    if member_role(reviewer, application.institution_id) is not None:
        raise ValidationError({"reviewer": _("A member of the applying institution cannot review its application.")})
    before = application.status
    application.status = workflow.target_status(workflow.ASSIGN, before)
    application.reviewer = reviewer
    application.save(update_fields=["status", "reviewer", "updated_at"])
    _record(
        application,
        action=workflow.ASSIGN,
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


def _require_decider(actor: User, application: WhitelistApplication) -> None:
    allowed, reason = can_decide(actor, application)
    if not allowed:
        raise NotAllowed(reason)


@transaction.atomic
def application_request_changes(*, application_id: int, actor: User, message: str) -> WhitelistApplication:
    """Return the application to the applicant with a message they can read."""
    message = bounded_text(message, limit=COMMENT_MAX, field="message")
    application = _lock_application(application_id)
    _require_decider(actor, application)
    if not message.strip():
        raise ValidationError({"message": _("Tell the applicant what to change.")})
    before = application.status
    application.status = workflow.target_status(workflow.REQUEST_CHANGES, before)
    application.save(update_fields=["status", "updated_at"])
    ApplicationComment.objects.create(
        application=application,
        author=actor,
        visibility=ApplicationComment.Visibility.APPLICANT,
        body=message.strip(),
    )
    _record(application, action=workflow.REQUEST_CHANGES, from_status=before, actor=actor, note=message.strip())
    notify(
        users=_applicant_members(application),
        kind="changes_requested",
        params={**_application_params(application), "message": message.strip()},
        link=f"/whitelist/applications/{application.pk}/",
    )
    return application


def next_filing_no(today: date) -> str:
    """HTWL-YYYY-NNNNNN from a per-year counter; the upsert's row lock serialises concurrent approvals."""
    FilingCounter.objects.get_or_create(year=today.year)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {FilingCounter._meta.db_table} SET last = last + 1 WHERE year = %s RETURNING last",
            [today.year],
        )
        (number,) = cursor.fetchone()
    return f"HTWL-{today.year}-{number:06d}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_valid_until(valid_from: date) -> date:
    """The standard end of validity of a filing that starts on `valid_from`: three years less a day."""
    return _add_years(valid_from, DEFAULT_VALIDITY_YEARS) - timedelta(days=1)


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
    _require_decider(actor, application)
    before = application.status
    target = workflow.target_status(workflow.APPROVE, before)
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
    _record(application, action=workflow.APPROVE, from_status=before, actor=actor, note=note.strip())
    notify(
        users=_applicant_members(application),
        kind="application_approved",
        params={**_application_params(application), **_entry_params(entry)},
        link=f"/whitelist/applications/{application.pk}/",
    )
    return entry


@transaction.atomic
def application_reject(*, application_id: int, actor: User, reason: str) -> WhitelistApplication:
    reason = bounded_text(reason, limit=COMMENT_MAX, field="reason")
    application = _lock_application(application_id)
    _require_decider(actor, application)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    before = application.status
    application.status = workflow.target_status(workflow.REJECT, before)
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "updated_at"])
    _record(application, action=workflow.REJECT, from_status=before, actor=actor, note=reason.strip())
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


# --- the registry -------------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not is_whitelist_manager(actor):
        raise NotAllowed(_("Only whitelist staff can change the registry."))


def _entry_members(entry) -> list[User]:
    return list(
        User.objects.filter(
            memberships__institution_id=entry.institution_id, is_active=True, memberships__role=Membership.Role.OWNER
        ).distinct()
    )


@transaction.atomic
def entry_suspend(*, entry_id: int, actor: User, reason: str) -> WhitelistEntry:
    _require_manager(actor)
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the suspension.")})
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status != EntryStatus.ACTIVE:
        raise InvalidTransition(_("Only an active entry can be suspended."))
    entry.status, entry.status_reason = EntryStatus.SUSPENDED, reason.strip()
    entry.save(update_fields=["status", "status_reason", "updated_at"])
    notify(
        users=_entry_members(entry),
        kind="entry_suspended",
        params={**_entry_params(entry), "reason": reason.strip()},
        link="/whitelist/",
    )
    return entry


@transaction.atomic
def entry_reinstate(*, entry_id: int, actor: User, reason: str = "") -> WhitelistEntry:
    _require_manager(actor)
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status != EntryStatus.SUSPENDED:
        raise InvalidTransition(_("Only a suspended entry can be reinstated."))
    if entry.valid_until < timezone.localdate():
        raise InvalidTransition(_("This entry's validity has ended; the institution must apply for renewal."))
    entry.status, entry.status_reason = EntryStatus.ACTIVE, reason.strip()
    try:
        with transaction.atomic():
            entry.save(update_fields=["status", "status_reason", "updated_at"])
    except IntegrityError:
        raise InvalidTransition(_("The institution already has another active entry.")) from None
    notify(users=_entry_members(entry), kind="entry_reinstated", params=_entry_params(entry), link="/whitelist/")
    return entry


@transaction.atomic
def entry_revoke(*, entry_id: int, actor: User, reason: str) -> WhitelistEntry:
    _require_manager(actor)
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the revocation.")})
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry_id)
    if entry.status == EntryStatus.REVOKED:
        raise InvalidTransition(_("This entry is already revoked."))
    entry.status, entry.status_reason = EntryStatus.REVOKED, reason.strip()
    entry.save(update_fields=["status", "status_reason", "updated_at"])
    notify(
        users=_entry_members(entry),
        kind="entry_revoked",
        params={**_entry_params(entry), "reason": reason.strip()},
        link="/whitelist/",
    )
    return entry


def entries_expire_and_remind(*, today: date | None = None) -> dict:
    """Expire entries past their validity and remind owners 60 days ahead, once per entry."""
    today = today or timezone.localdate()
    expired = 0
    for entry_id in WhitelistEntry.objects.filter(
        status__in=[EntryStatus.ACTIVE, EntryStatus.SUSPENDED], valid_until__lt=today
    ).values_list("pk", flat=True):
        with transaction.atomic():
            # Conditional update: a second run (or a parallel worker) finds nothing left to do.
            entry = (
                WhitelistEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry_id, status__in=[EntryStatus.ACTIVE, EntryStatus.SUSPENDED], valid_until__lt=today)
                .first()
            )
            if entry is None:
                continue
            entry.status = EntryStatus.EXPIRED
            entry.save(update_fields=["status", "updated_at"])
            expired += 1
    reminded = 0
    horizon = today + timedelta(days=RENEWAL_REMINDER_DAYS)
    for entry_id in WhitelistEntry.objects.filter(
        status=EntryStatus.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=horizon,
        renewal_reminder_sent_at__isnull=True,
    ).values_list("pk", flat=True):
        with transaction.atomic():
            entry = (
                WhitelistEntry.objects.select_for_update(skip_locked=True)
                .filter(pk=entry_id, renewal_reminder_sent_at__isnull=True)
                .first()
            )
            if entry is None:
                continue
            entry.renewal_reminder_sent_at = timezone.now()
            entry.save(update_fields=["renewal_reminder_sent_at"])
            notify(
                users=_entry_members(entry),
                kind="entry_expiring",
                params={**_entry_params(entry), "days": (entry.valid_until - today).days},
                link="/whitelist/",
            )
            reminded += 1
    return {"expired": expired, "reminded": reminded}


def verify_filing(filing_no: str) -> dict:
    """What the public may know of a filing number: whether it is valid now, for which scopes, until when."""
    entry = WhitelistEntry.objects.filter(filing_no=filing_no.strip().upper()).first()
    if entry is None:
        return {"filing_no": filing_no.strip().upper(), "found": False, "valid": False}
    today = timezone.localdate()
    return {
        "filing_no": entry.filing_no,
        "found": True,
        "valid": entry.is_valid_on(today),
        "status": entry.status,
        "scopes": entry.scopes if entry.is_valid_on(today) else [],
        "valid_until": entry.valid_until,
    }
