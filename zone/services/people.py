"""Registered persons: an institution's researchers registered for facilitated passage, the
reviewers' decisions, suspension, expiry, and whether a person may pass today.

What the whitelist's `personnel` scope grants: registering and submitting persons needs the
institution's active whitelist entry with that scope, and approving re-checks it. A person is
valid for passage only while both their own registration and that entry are.

The travel document number is personal data. It goes into the record through
`RegisteredPerson.set_document()` (encrypted, keyed hash, last four characters) and nowhere else:
no notification, message, log line or error names it.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from hetao.errors import InvalidTransition, NotAllowed
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX, bounded_date, bounded_text
from hetao.models import User
from hetao.notifications import localised, notify

from ..models import (
    EntryStatus,
    Institution,
    Membership,
    PersonStatus,
    RegisteredPerson,
    WhitelistEntry,
    WhitelistScope,
)
from ..models.people import PERSON_LIVE_STATUSES, TravelDocumentType
from ..permissions import can_file, person_reviewers
from ..validators import clean_travel_document
from ..workflow import (
    PERSON,
    PERSON_APPROVE,
    PERSON_EDIT,
    PERSON_EXPIRE,
    PERSON_REINSTATE,
    PERSON_REJECT,
    PERSON_SUBMIT,
    PERSON_SUSPEND,
)

NAME_EN_MAX = 200  # as the model's fields
NAME_ZH_MAX = 100
# Documents issued to Chinese citizens only.
CHINESE_CITIZENS_ONLY = (TravelDocumentType.MAINLAND_ID, TravelDocumentType.HOME_RETURN_PERMIT)

# Why a registered person is not valid for passage: the code a passage check records, and its words.
NOT_APPROVED = "not_approved"
REJECTED = "rejected"
SUSPENDED = "suspended"
EXPIRED = "expired"
OUTSIDE_VALIDITY = "outside_validity"
INSTITUTION_NOT_WHITELISTED = "institution_not_whitelisted"
NOT_VALID_REASONS = {
    NOT_APPROVED: gettext_lazy("The registration is not approved yet."),
    REJECTED: gettext_lazy("The registration was rejected."),
    SUSPENDED: gettext_lazy("The registration is suspended."),
    EXPIRED: gettext_lazy("The registration has expired."),
    OUTSIDE_VALIDITY: gettext_lazy("The registration is not valid on this day."),
    INSTITUTION_NOT_WHITELISTED: gettext_lazy(
        "The person's institution is no longer on the whitelist for personnel movement."
    ),
}


def not_valid_reason_text(code: str) -> str:
    """The words of a reason code in the active language (an unknown code as it is)."""
    return str(NOT_VALID_REASONS.get(code, code))


# --- the whitelist's personnel scope ------------------------------------------------------------


def personnel_entries(*, day: date | None = None):
    """Whitelist entries that admit personnel movement on `day`: active, valid, with the scope."""
    day = day or timezone.localdate()
    return WhitelistEntry.objects.filter(
        status=EntryStatus.ACTIVE,
        scopes__contains=[WhitelistScope.PERSONNEL],
        valid_from__lte=day,
        valid_until__gte=day,
    )


def personnel_entry(institution_id: int, *, day: date | None = None) -> WhitelistEntry | None:
    """The institution's whitelist entry that admits personnel movement on `day`, if it has one."""
    return personnel_entries(day=day).filter(institution_id=institution_id).order_by("-valid_until").first()


def with_personnel_entry(queryset, *, day: date | None = None):
    """Persons annotated with `institution_admits_personnel`: whether their institution's
    whitelist entry admits personnel movement on `day` (one subquery, whatever the page size)."""
    entries = personnel_entries(day=day).filter(institution_id=OuterRef("institution_id"))
    return queryset.annotate(institution_admits_personnel=Exists(entries))


def _require_personnel(institution_id: int) -> WhitelistEntry:
    entry = personnel_entry(institution_id)
    if entry is None:
        raise ValidationError(
            _(
                "The institution's whitelist filing does not cover personnel movement: it needs an active "
                "whitelist entry with the “personnel” scope. Apply for a scope change or a renewal first."
            ),
            code="personnel_scope_missing",
        )
    return entry


def passage_status(person: RegisteredPerson, *, day: date | None = None, institution_admits=None) -> tuple[bool, str]:
    """(valid, reason code) of a person for passage on `day`: their own registration first, then
    their institution's whitelist entry. `institution_admits` may come from `with_personnel_entry`."""
    day = day or timezone.localdate()
    if person.status in (PersonStatus.DRAFT, PersonStatus.SUBMITTED):
        return False, NOT_APPROVED
    if person.status == PersonStatus.REJECTED:
        return False, REJECTED
    if person.status == PersonStatus.SUSPENDED:
        return False, SUSPENDED
    if person.status == PersonStatus.EXPIRED:
        return False, EXPIRED
    if not person.valid_from <= day <= person.valid_until:
        return False, OUTSIDE_VALIDITY
    if institution_admits is None:
        institution_admits = personnel_entry(person.institution_id, day=day) is not None
    if not institution_admits:
        return False, INSTITUTION_NOT_WHITELISTED
    return True, ""


# --- helpers ------------------------------------------------------------------------------------


def _lock_person(person_id: int) -> RegisteredPerson:
    return RegisteredPerson.objects.select_for_update().select_related("institution").get(pk=person_id)


def _require_filer(actor: User, institution_id: int) -> None:
    if not can_file(actor, institution_id):
        raise NotAllowed(_("Only owners and filers of the institution can do this."))


def person_params(person: RegisteredPerson) -> dict:
    """What notifications about a person say of them: never the document number, only its masked form."""
    return {
        "person_id": person.pk,
        "name": person.name_en,
        "name_zh": person.name_zh,
        "document": person.masked_document,
        "institution": localised(lambda: person.institution.name),
    }


def _institution_members(person: RegisteredPerson) -> list[User]:
    return list(
        User.objects.filter(
            memberships__institution_id=person.institution_id,
            is_active=True,
            memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER],
        ).distinct()
    )


def _clean_fields(fields: dict) -> dict:
    """The person's fields, bounded and typed; a ValidationError names every field that is wrong."""
    cleaned, problems = {}, {}
    texts = {"name_en": NAME_EN_MAX, "name_zh": NAME_ZH_MAX, "position": SHORT_TEXT_MAX}
    for name, limit in texts.items():
        if name in fields:
            try:
                cleaned[name] = bounded_text(fields[name], limit=limit, field=name)
            except ValidationError as error:
                problems.update(error.message_dict)
    if "name_en" in cleaned and not cleaned["name_en"]:
        problems["name_en"] = [_("Enter the person's name as in the travel document.")]
    if "nationality" in fields:
        code = str(fields["nationality"] or "").strip().upper()
        if code not in countries:
            problems["nationality"] = [_("Choose the nationality (an ISO 3166 country).")]
        cleaned["nationality"] = code
    for name in ("valid_from", "valid_until"):
        if name in fields:
            value = fields[name]
            if value is None:
                problems[name] = [_("Enter a date.")]
                continue
            try:
                cleaned[name] = bounded_date(value, field=name)
            except ValidationError as error:
                problems.update(error.message_dict)
    if "designated_carrier" in fields:
        cleaned["designated_carrier"] = bool(fields["designated_carrier"])
    if problems:
        raise ValidationError(problems)
    return cleaned


def _check_record(person: RegisteredPerson) -> None:
    """Rules across fields, on the values the record will have."""
    problems = {}
    if person.valid_until < person.valid_from:
        problems["valid_until"] = _("The end of validity must not be before its start.")
    elif person.valid_until < timezone.localdate():
        problems["valid_until"] = _("The end of validity must not be in the past.")
    if person.document_type in CHINESE_CITIZENS_ONLY and person.nationality != "CN":
        problems["nationality"] = _(
            "This travel document is issued to Chinese citizens only: the nationality is China."
        )
    if problems:
        raise ValidationError(problems)


def _set_document(person: RegisteredPerson, document_type: str, number: str) -> None:
    if document_type not in TravelDocumentType.values:
        raise ValidationError({"document_type": _("Choose a travel document type.")})
    try:
        normalised = clean_travel_document(document_type, number)
    except ValidationError as error:
        raise ValidationError({"document_number": error.messages}) from None
    person.set_document(document_type, normalised)


def _save(person: RegisteredPerson, **save_arguments) -> None:
    """Save, answering a document already registered with a field error instead of a 500."""
    try:
        with transaction.atomic():
            person.save(**save_arguments)
    except IntegrityError as error:
        constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
        if constraint == "person_document_unique":
            raise ValidationError(
                {"document_number": _("A person with this travel document is already registered.")}
            ) from None
        raise


# --- registration -------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    institution: Institution,
    actor: User,
    name_en: str,
    document_type: str,
    document_number: str,
    nationality: str,
    valid_from: date,
    valid_until: date,
    name_zh: str = "",
    position: str = "",
    designated_carrier: bool = False,
) -> RegisteredPerson:
    """Register a person of the institution as a draft; its whitelist entry must cover personnel."""
    _require_filer(actor, institution.pk)
    fields = _clean_fields(
        {
            "name_en": name_en,
            "name_zh": name_zh,
            "position": position,
            "nationality": nationality,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "designated_carrier": designated_carrier,
        }
    )
    person = RegisteredPerson(institution=institution, created_by=actor, **fields)
    _set_document(person, document_type, document_number)
    _check_record(person)
    _require_personnel(institution.pk)
    _save(person)
    return person


@transaction.atomic
def person_update(*, person_id: int, actor: User, **fields) -> RegisteredPerson:
    """Change a draft. A new document type needs its number again (the lookup hash covers both)."""
    person = _lock_person(person_id)
    PERSON.take(PERSON_EDIT, person, actor)
    unknown = set(fields) - {
        "name_en",
        "name_zh",
        "position",
        "nationality",
        "valid_from",
        "valid_until",
        "designated_carrier",
        "document_type",
        "document_number",
    }
    if unknown:
        raise ValidationError(_("Unknown field(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    changed = []
    for name, value in _clean_fields(fields).items():
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    document_type = fields.get("document_type") or person.document_type
    number = fields.get("document_number") or ""
    if number:
        _set_document(person, document_type, number)
        changed += ["document_type", "document_number", "document_hash", "document_last4"]
    elif document_type != person.document_type:
        raise ValidationError({"document_number": _("Enter the travel document number of the new document type.")})
    _check_record(person)
    if changed:
        _save(person, update_fields=[*dict.fromkeys(changed), "updated_at"])
    return person


@transaction.atomic
def person_submit(*, person_id: int, actor: User) -> RegisteredPerson:
    """Hand a draft to the reviewers; the institution's whitelist entry must cover personnel."""
    person = _lock_person(person_id)
    target = PERSON.take(PERSON_SUBMIT, person, actor)
    _check_record(person)
    _require_personnel(person.institution_id)
    person.status = target
    person.submitted_at = timezone.now()
    person.save(update_fields=["status", "submitted_at", "updated_at"])
    notify(
        users=person_reviewers().exclude(memberships__institution_id=person.institution_id),
        kind="person_submitted",
        params=person_params(person),
        link=f"/staff/people/{person.pk}/",
    )
    return person


# --- decisions ----------------------------------------------------------------------------------


def _decide(person: RegisteredPerson, *, target: str, actor: User, reason: str) -> None:
    person.status = target
    person.status_reason = reason
    person.reviewer = actor
    person.decided_by = actor
    person.decided_at = timezone.now()
    person.save(update_fields=["status", "status_reason", "reviewer", "decided_by", "decided_at", "updated_at"])


@transaction.atomic
def person_approve(*, person_id: int, actor: User, note: str = "") -> RegisteredPerson:
    """Approve a submitted person; the institution's whitelist entry must still cover personnel."""
    note = bounded_text(note, limit=COMMENT_MAX, field="note")
    person = _lock_person(person_id)
    target = PERSON.take(PERSON_APPROVE, person, actor)
    if person.valid_until < timezone.localdate():
        raise ValidationError(
            {"valid_until": _("The registration's validity has ended; the institution must register the person anew.")}
        )
    _require_personnel(person.institution_id)
    _decide(person, target=target, actor=actor, reason=note)
    notify(
        users=_institution_members(person),
        kind="person_approved",
        params={**person_params(person), "valid_until": person.valid_until.isoformat()},
        link=f"/people/{person.pk}/",
    )
    return person


@transaction.atomic
def person_reject(*, person_id: int, actor: User, reason: str) -> RegisteredPerson:
    """Reject a submitted person for a reason the institution reads."""
    reason = bounded_text(reason, limit=COMMENT_MAX, field="reason")
    person = _lock_person(person_id)
    target = PERSON.take(PERSON_REJECT, person, actor)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    _decide(person, target=target, actor=actor, reason=reason)
    notify(
        users=_institution_members(person),
        kind="person_rejected",
        params={**person_params(person), "reason": reason},
        link=f"/people/{person.pk}/",
    )
    return person


@transaction.atomic
def person_suspend(*, person_id: int, actor: User, reason: str) -> RegisteredPerson:
    """Suspend an approved person for a stated reason: passage checks answer "not valid" at once."""
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    person = _lock_person(person_id)
    target = PERSON.take(PERSON_SUSPEND, person, actor)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the suspension.")})
    person.status, person.status_reason = target, reason
    person.save(update_fields=["status", "status_reason", "updated_at"])
    notify(
        users=_institution_members(person),
        kind="person_suspended",
        params={**person_params(person), "reason": reason},
        link=f"/people/{person.pk}/",
    )
    return person


@transaction.atomic
def person_reinstate(*, person_id: int, actor: User, reason: str = "") -> RegisteredPerson:
    """Make a suspended person approved again while their registration and the institution's
    whitelist filing for personnel are still valid."""
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    person = _lock_person(person_id)
    target = PERSON.take(PERSON_REINSTATE, person, actor)
    if person.valid_until < timezone.localdate():
        raise InvalidTransition(_("This registration's validity has ended; the institution must register anew."))
    _require_personnel(person.institution_id)
    person.status, person.status_reason = target, reason
    person.save(update_fields=["status", "status_reason", "updated_at"])
    notify(
        users=_institution_members(person),
        kind="person_reinstated",
        params=person_params(person),
        link=f"/people/{person.pk}/",
    )
    return person


# --- expiry -------------------------------------------------------------------------------------


def _ended_filing():
    """Persons whose institution's whitelist filing for personnel has ended: no entry that is
    active or suspended (a suspension may be lifted) still carries the personnel scope."""
    standing = WhitelistEntry.objects.filter(
        institution_id=OuterRef("institution_id"),
        status__in=[EntryStatus.ACTIVE, EntryStatus.SUSPENDED],
        scopes__contains=[WhitelistScope.PERSONNEL],
    )
    return ~Exists(standing)


def persons_expire(*, today: date | None = None) -> dict:
    """Expire approved and suspended persons whose validity has ended, or whose institution's
    whitelist filing for personnel has; the institution's owners and filers are told. Safe to run twice."""
    today = today or timezone.localdate()
    due = Q(valid_until__lt=today) | _ended_filing()
    open_statuses = list(PERSON[PERSON_EXPIRE].sources)
    expired = 0
    for person_id in RegisteredPerson.objects.filter(due, status__in=open_statuses).values_list("pk", flat=True):
        with transaction.atomic():
            # Conditional: a second run (or a parallel worker) finds nothing left to do.
            person = (
                RegisteredPerson.objects.select_for_update(skip_locked=True)
                .select_related("institution")
                .filter(due, pk=person_id, status__in=open_statuses)
                .first()
            )
            if person is None:
                continue
            cause = "validity" if person.valid_until < today else "whitelist"
            person.status = PERSON.target(PERSON_EXPIRE, person)
            person.save(update_fields=["status", "updated_at"])
            notify(
                users=_institution_members(person),
                kind="person_expired",
                params={**person_params(person), "cause": cause, "valid_until": person.valid_until.isoformat()},
                link=f"/people/{person.pk}/",
            )
            expired += 1
    return {"expired": expired}


def live_registration(document_type: str, document_hash: str) -> RegisteredPerson | None:
    """The registration of a document found by its keyed hash: the live one (unique), else the latest
    that ended. The number is never decrypted for this."""
    persons = RegisteredPerson.objects.select_related("institution").filter(
        document_type=document_type, document_hash=document_hash
    )
    live = persons.filter(status__in=PERSON_LIVE_STATUSES).first()
    return live or persons.order_by("-decided_at", "-pk").first()
