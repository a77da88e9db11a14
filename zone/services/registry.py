"""The whitelist registry: filing numbers, validity, suspension, reinstatement, revocation, expiry
and the public check of a filing number."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.errors import InvalidTransition
from hetao.limits import NOTE_MAX, bounded_text
from hetao.models import User
from hetao.notifications import notify

from ..models import (
    EntryStatus,
    FilingCounter,
    Membership,
    WhitelistEntry,
)
from ..workflow import ENTRY, REINSTATE, REVOKE, SUSPEND

DEFAULT_VALIDITY_YEARS = 3
RENEWAL_REMINDER_DAYS = 60


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


# --- the registry -------------------------------------------------------------------------------


def entry_params(entry) -> dict:
    """What notifications about a whitelist entry say of it."""
    return {"filing_no": entry.filing_no, "valid_until": entry.valid_until.isoformat()}


def _entry_members(entry) -> list[User]:
    return list(
        User.objects.filter(
            memberships__institution_id=entry.institution_id, is_active=True, memberships__role=Membership.Role.OWNER
        ).distinct()
    )


def _entry_withdraw_rights(*, entry_id: int, actor: User, reason: str, action: str, missing_reason, kind: str):
    """Suspend or revoke: lock, check role and state, require a reason, tell the owners."""
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry_id)
    target = ENTRY.take(action, entry, actor)
    if not reason:
        raise ValidationError({"reason": missing_reason})
    entry.status, entry.status_reason = target, reason
    entry.save(update_fields=["status", "status_reason", "updated_at"])
    notify(users=_entry_members(entry), kind=kind, params={**entry_params(entry), "reason": reason}, link="/whitelist/")
    return entry


@transaction.atomic
def entry_suspend(*, entry_id: int, actor: User, reason: str) -> WhitelistEntry:
    """Suspend an active entry for a stated reason; the institution's owners are told."""
    return _entry_withdraw_rights(
        entry_id=entry_id,
        actor=actor,
        reason=reason,
        action=SUSPEND,
        missing_reason=_("Give the reason for the suspension."),
        kind="entry_suspended",
    )


@transaction.atomic
def entry_reinstate(*, entry_id: int, actor: User, reason: str = "") -> WhitelistEntry:
    """Make a suspended entry active again while it is still valid."""
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    entry = WhitelistEntry.objects.select_for_update().get(pk=entry_id)
    target = ENTRY.take(REINSTATE, entry, actor)
    if entry.valid_until < timezone.localdate():
        raise InvalidTransition(_("This entry's validity has ended; the institution must apply for renewal."))
    entry.status, entry.status_reason = target, reason
    try:
        with transaction.atomic():
            entry.save(update_fields=["status", "status_reason", "updated_at"])
    except IntegrityError:
        raise InvalidTransition(_("The institution already has another active entry.")) from None
    notify(users=_entry_members(entry), kind="entry_reinstated", params=entry_params(entry), link="/whitelist/")
    return entry


@transaction.atomic
def entry_revoke(*, entry_id: int, actor: User, reason: str) -> WhitelistEntry:
    """Revoke an entry for good, for a stated reason; the institution's owners are told."""
    return _entry_withdraw_rights(
        entry_id=entry_id,
        actor=actor,
        reason=reason,
        action=REVOKE,
        missing_reason=_("Give the reason for the revocation."),
        kind="entry_revoked",
    )


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
                params={**entry_params(entry), "days": (entry.valid_until - today).days},
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
