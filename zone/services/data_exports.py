"""Research-data export filings: drafts, submission under the negative list, assessment and the
decision; and the negative list itself, which staff keep as data.

What the whitelist's `data` scope grants. At submission the negative list (`zone.rules.data_exports`)
decides what the filing needs and the filing keeps the entries that applied and why; a refused
filing is rejected there and then. An approved filing gets a number HTDX-YYYY-NNNNNN and a validity.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from hetao.errors import InvalidTransition, NotAllowed
from hetao.i18n import reason_in
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX, bounded_date, bounded_text
from hetao.models import User
from hetao.notifications import localised, notify
from hetao.numbering import next_number

from ..models import (
    DataCategory,
    DataExportFiling,
    Destination,
    EntryStatus,
    ExportStatus,
    Institution,
    Membership,
    NegativeListEntry,
    WhitelistEntry,
    WhitelistScope,
)
from ..models.data_exports import COUNT_MAX, REFERENCE_MAX
from ..permissions import can_edit_negative_list, can_file, export_assessors
from ..rules.data_exports import Decision, evaluate
from ..workflow import (
    EXPORT,
    EXPORT_APPROVE,
    EXPORT_ASSESS,
    EXPORT_EDIT,
    EXPORT_REJECT,
    EXPORT_SUBMIT,
    EXPORT_WITHDRAW,
    export_approval_problem,
)

NUMBER_SERIES = "HTDX"

# Maximum length of each text of a filing (hetao.limits; README "Limits").
TEXT_LIMITS = {
    "reference": REFERENCE_MAX,
    "title": SHORT_TEXT_MAX,
    "description": LONG_TEXT_MAX,
    "recipient": SHORT_TEXT_MAX,
    "purpose": COMMENT_MAX,
    "channel": SHORT_TEXT_MAX,
    "security_measures": COMMENT_MAX,
}
FILING_FIELDS = (
    "reference",
    "title",
    "description",
    "categories",
    "record_count",
    "person_count",
    "destination",
    "destination_country",
    "recipient",
    "purpose",
    "channel",
    "security_measures",
    "period_start",
    "period_end",
)
# Categories about identifiable people: a filing of them says how many persons it concerns.
PERSONAL_CATEGORIES = (DataCategory.PERSONAL, DataCategory.SENSITIVE_PERSONAL)
# Destinations that are not countries abroad, with the reason a filing may not name them as one.
NOT_ABROAD = {
    "CN": lambda: _("The mainland is not a destination abroad: data that stays in the mainland is not exported."),
    "HK": lambda: _("For Hong Kong choose the destination “Hong Kong” or “the Hong Kong park”, not a country."),
    "MO": lambda: _(
        "Macao is a special administrative region of China, not a destination abroad; the zone's data "
        "channels lead to Hong Kong and to other countries."
    ),
}


# --- checking a filing ----------------------------------------------------------------------------


class _Problems:
    """Every problem of the input at once, each on its field."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, name: str, message) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def merge(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            for message in messages:
                self.add(name, message)

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def _clean_count(value, name: str, problems: _Problems) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(name, _("Enter a whole number."))
        return None
    if not 0 <= value <= COUNT_MAX:
        problems.add(name, _("Enter a number from 0 to %(max)s.") % {"max": f"{COUNT_MAX:,}"})
        return None
    return value


def _clean_categories(value, problems: _Problems) -> list[str] | None:
    chosen = [value] if isinstance(value, str) else list(value or [])
    unknown = [str(category) for category in chosen if category not in DataCategory.values]
    if unknown:
        problems.add("categories", _("Unknown data category: %(categories)s.") % {"categories": ", ".join(unknown)})
        return None
    if not chosen:
        problems.add("categories", _("Choose at least one data category."))
        return None
    return [category for category in DataCategory.values if category in set(chosen)]


def _clean_destination(destination, country, problems: _Problems) -> tuple[str | None, str]:
    if destination not in Destination.values:
        problems.add("destination", _("Choose where the data goes: the Hong Kong park, Hong Kong, or abroad."))
        return None, ""
    country = str(country or "").strip().upper()
    if destination != Destination.ABROAD:
        if country:
            problems.add(
                "destination_country",
                _("Name a country only for a destination abroad; Hong Kong and its park need none."),
            )
        return destination, ""
    if not country:
        problems.add("destination_country", _("Name the country or region the data goes to."))
    elif country in NOT_ABROAD:
        problems.add("destination_country", NOT_ABROAD[country]())
    elif country not in countries:
        problems.add(
            "destination_country", _("Give the country as its ISO 3166 code of two letters, for example DE or SG.")
        )
    return destination, country


def clean_filing(values: dict, *, names=FILING_FIELDS) -> dict:
    """The filing's fields named in `names`, checked and normalised; a ValidationError lists every
    problem on its field."""
    problems = _Problems()
    cleaned = {}
    for name in names:
        if name in TEXT_LIMITS:
            try:
                cleaned[name] = bounded_text(values.get(name, ""), limit=TEXT_LIMITS[name], field=name)
            except ValidationError as error:
                problems.merge(error)
    if "title" in names and cleaned.get("title") == "":
        problems.add("title", _("Give the dataset a title."))
    if "categories" in names:
        cleaned["categories"] = _clean_categories(values.get("categories"), problems)
    for name in ("record_count", "person_count"):
        if name in names:
            cleaned[name] = _clean_count(values.get(name, 0), name, problems)
    if "destination" in names:
        cleaned["destination"], cleaned["destination_country"] = _clean_destination(
            values.get("destination"), values.get("destination_country", ""), problems
        )
    for name in ("period_start", "period_end"):
        if name in names:
            day = values.get(name)
            if not isinstance(day, date):
                problems.add(name, _("Enter a date."))
                continue
            try:
                cleaned[name] = bounded_date(day, field=name)
            except ValidationError as error:
                problems.merge(error)
    start, end = cleaned.get("period_start"), cleaned.get("period_end")
    if start and end and end < start:
        problems.add("period_end", _("The period must not end before it starts."))
    problems.raise_any()
    return cleaned


def _submission_problems(filing) -> dict:
    """What a complete filing has that this one lacks, by field."""
    problems = {}
    missing = {
        "recipient": _("Name the recipient of the data."),
        "purpose": _("Explain the purpose of the transfer."),
        "channel": _("Name the transfer channel."),
        "security_measures": _("Describe the security measures that protect the data."),
    }
    for name, message in missing.items():
        if not getattr(filing, name).strip():
            problems[name] = message
    if filing.person_count == 0 and any(category in PERSONAL_CATEGORIES for category in filing.categories):
        problems["person_count"] = _("Personal information concerns persons: give how many.")
    if filing.period_end < timezone.localdate():
        problems["period_end"] = _("The period has ended: file the transfers that are still to come.")
    return problems


# --- the negative list applied ---------------------------------------------------------------------


def decide(*, categories, record_count: int, person_count: int, destination: str) -> Decision:
    """What the active negative list says of a filing with these values."""
    return evaluate(
        categories=categories,
        record_count=record_count,
        person_count=person_count,
        destination=destination,
        entries=NegativeListEntry.objects.filter(active=True),
    )


def export_filing_precheck(
    *, categories, record_count: int = 0, person_count: int = 0, destination: str, destination_country: str = ""
) -> Decision:
    """The decision a filing with these values would get if submitted now, without saving anything."""
    cleaned = clean_filing(
        {
            "categories": categories,
            "record_count": record_count,
            "person_count": person_count,
            "destination": destination,
            "destination_country": destination_country,
        },
        names=("categories", "record_count", "person_count", "destination"),
    )
    return decide(
        categories=cleaned["categories"],
        record_count=cleaned["record_count"],
        person_count=cleaned["person_count"],
        destination=cleaned["destination"],
    )


def institution_exports_data(institution_id: int, *, on: date | None = None) -> bool:
    """Whether the institution's whitelist entry is active today with the `data` scope."""
    day = on or timezone.localdate()
    return WhitelistEntry.objects.filter(
        institution_id=institution_id,
        status=EntryStatus.ACTIVE,
        valid_from__lte=day,
        valid_until__gte=day,
        scopes__contains=[WhitelistScope.DATA],
    ).exists()


def _require_data_scope(filing) -> None:
    if not institution_exports_data(filing.institution_id):
        raise InvalidTransition(
            _(
                "The institution's whitelist filing does not cover cross-border research data now: it needs an "
                "active whitelist entry with the “data” scope (apply for a scope change)."
            ),
            code="whitelist_scope_missing",
        )


# --- filings ----------------------------------------------------------------------------------------


def _lock(filing_id: int) -> DataExportFiling:
    return DataExportFiling.objects.select_for_update(of=("self",)).select_related("institution").get(pk=filing_id)


def _require_filer(actor: User, institution_id: int) -> None:
    if not can_file(actor, institution_id):
        raise NotAllowed(_("Only owners and filers of the institution can do this."))


def _applicants(filing) -> list[User]:
    return list(
        User.objects.filter(
            memberships__institution_id=filing.institution_id,
            memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER],
            is_active=True,
        ).distinct()
    )


def _assessors(filing) -> list[User]:
    return list(export_assessors().exclude(memberships__institution_id=filing.institution_id))


def _params(filing) -> dict:
    """What notifications about a filing say of it, in every portal language."""
    return {
        "filing_id": filing.pk,
        "title": filing.title,
        "institution": localised(lambda: filing.institution.name),
        "outcome": localised(filing.get_outcome_display),
    }


def _member_link(filing) -> str:
    return reverse("data-export", args=[filing.pk])


def _staff_link(filing) -> str:
    return reverse("staff-data-export", args=[filing.pk])


def _save_new(filing: DataExportFiling) -> DataExportFiling:
    try:
        with transaction.atomic():
            filing.save()
    except IntegrityError as error:
        if "data_export_reference_unique" in str(error):
            raise ValidationError(
                {"reference": _("Your institution already has a filing with this reference.")}
            ) from None
        raise
    return filing


@transaction.atomic
def export_filing_create(
    *,
    institution: Institution,
    actor: User,
    title: str,
    categories,
    destination: str,
    period_start: date,
    period_end: date,
    destination_country: str = "",
    record_count: int = 0,
    person_count: int = 0,
    recipient: str = "",
    purpose: str = "",
    channel: str = "",
    security_measures: str = "",
    description: str = "",
    reference: str = "",
) -> DataExportFiling:
    """Start a draft filing of a data export for an institution (owners and filers)."""
    _require_filer(actor, institution.pk)
    cleaned = clean_filing(
        {
            "reference": reference,
            "title": title,
            "description": description,
            "categories": categories,
            "record_count": record_count,
            "person_count": person_count,
            "destination": destination,
            "destination_country": destination_country,
            "recipient": recipient,
            "purpose": purpose,
            "channel": channel,
            "security_measures": security_measures,
            "period_start": period_start,
            "period_end": period_end,
        }
    )
    return _save_new(DataExportFiling(institution=institution, created_by=actor, **cleaned))


@transaction.atomic
def export_filing_update(*, filing_id: int, actor: User, **fields) -> DataExportFiling:
    """Change a draft; the fields not given keep their values."""
    unknown = set(fields) - set(FILING_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields of a data export filing: {sorted(unknown)}")
    filing = _lock(filing_id)
    EXPORT.take(EXPORT_EDIT, filing, actor)
    values = {name: getattr(filing, name) for name in FILING_FIELDS}
    values["destination_country"] = str(values["destination_country"] or "")
    values.update(fields)
    cleaned = clean_filing(values)
    changed = [name for name, value in cleaned.items() if getattr(filing, name) != value]
    for name in changed:
        setattr(filing, name, cleaned[name])
    if changed:
        try:
            with transaction.atomic():
                filing.save(update_fields=[*changed, "updated_at"])
        except IntegrityError as error:
            if "data_export_reference_unique" in str(error):
                raise ValidationError(
                    {"reference": _("Your institution already has a filing with this reference.")}
                ) from None
            raise
    return filing


@transaction.atomic
def export_filing_submit(*, filing_id: int, actor: User) -> DataExportFiling:
    """Submit a complete draft: the negative list decides what it needs, and the filing keeps why.
    A refused filing is rejected at once; any other waits for the assessors."""
    filing = _lock(filing_id)
    EXPORT.take(EXPORT_SUBMIT, filing, actor)
    problems = _submission_problems(filing)
    if problems:
        raise ValidationError(problems)
    _require_data_scope(filing)
    decision = decide(
        categories=filing.categories,
        record_count=filing.record_count,
        person_count=filing.person_count,
        destination=filing.destination,
    )
    now = timezone.now()
    filing.outcome = decision.outcome
    filing.explanation = decision.explanation
    filing.status = EXPORT.target(EXPORT_SUBMIT, filing)
    filing.submitted_at = now
    fields = ["status", "outcome", "explanation", "submitted_at", "updated_at"]
    if filing.status == ExportStatus.REJECTED:
        filing.decided_at = now
        filing.save(update_fields=[*fields, "decided_at"])
        reasons = localised(lambda: "\n".join(f"- {reason_in(item['reason'])}" for item in filing.explanation))
        notify(
            users=_applicants(filing),
            kind="export_refused",
            params={**_params(filing), "reasons": reasons},
            link=_member_link(filing),
        )
    else:
        filing.save(update_fields=fields)
        notify(users=_assessors(filing), kind="export_submitted", params=_params(filing), link=_staff_link(filing))
    return filing


@transaction.atomic
def export_filing_assess(*, filing_id: int, actor: User) -> DataExportFiling:
    """An assessor takes a submitted filing under assessment and becomes its reviewer."""
    filing = _lock(filing_id)
    filing.status = EXPORT.take(EXPORT_ASSESS, filing, actor)
    filing.reviewer = actor
    filing.save(update_fields=["status", "reviewer", "updated_at"])
    notify(users=_applicants(filing), kind="export_under_assessment", params=_params(filing), link=_member_link(filing))
    return filing


@transaction.atomic
def export_filing_approve(
    *, filing_id: int, actor: User, valid_until: date | None = None, note: str = ""
) -> DataExportFiling:
    """Approve: the filing gets its number and a validity (by default until the end of its period)."""
    note = bounded_text(note, limit=COMMENT_MAX, field="note")
    bounded_date(valid_until, field="valid_until")
    filing = _lock(filing_id)
    target = EXPORT.take(EXPORT_APPROVE, filing, actor)
    problem = export_approval_problem(filing)
    if problem:
        raise InvalidTransition(problem, code="assessment_required")
    _require_data_scope(filing)
    today = timezone.localdate()
    valid_until = valid_until or filing.period_end
    if valid_until < today:
        raise ValidationError({"valid_until": _("The validity must not end in the past.")})
    if valid_until < filing.period_start:
        raise ValidationError({"valid_until": _("The validity must not end before the filed period starts.")})
    if valid_until > filing.period_end:
        raise ValidationError(
            {
                "valid_until": _("An approval covers at most the filed period, which ends on %(end)s.")
                % {"end": filing.period_end.isoformat()}
            }
        )
    filing.status = target
    filing.number = next_number(NUMBER_SERIES, today.year)
    filing.valid_until = valid_until
    filing.decided_at = timezone.now()
    filing.decided_by = actor
    filing.decision_reason = note
    filing.reviewer = filing.reviewer or actor
    filing.save(
        update_fields=[
            "status",
            "number",
            "valid_until",
            "decided_at",
            "decided_by",
            "decision_reason",
            "reviewer",
            "updated_at",
        ]
    )
    notify(
        users=_applicants(filing),
        kind="export_approved",
        params={**_params(filing), "number": filing.number, "valid_until": valid_until.isoformat()},
        link=_member_link(filing),
    )
    return filing


@transaction.atomic
def export_filing_reject(*, filing_id: int, actor: User, reason: str) -> DataExportFiling:
    """Reject a filing for a reason the institution reads."""
    reason = bounded_text(reason, limit=COMMENT_MAX, field="reason")
    filing = _lock(filing_id)
    target = EXPORT.take(EXPORT_REJECT, filing, actor)
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    filing.status = target
    filing.decided_at = timezone.now()
    filing.decided_by = actor
    filing.decision_reason = reason
    filing.reviewer = filing.reviewer or actor
    filing.save(update_fields=["status", "decided_at", "decided_by", "decision_reason", "reviewer", "updated_at"])
    notify(
        users=_applicants(filing),
        kind="export_rejected",
        params={**_params(filing), "reason": reason},
        link=_member_link(filing),
    )
    return filing


@transaction.atomic
def export_filing_withdraw(*, filing_id: int, actor: User, reason: str = "") -> DataExportFiling:
    """The institution withdraws its filing before a decision; an assessor who holds it is told."""
    reason = bounded_text(reason, limit=NOTE_MAX, field="reason")
    filing = _lock(filing_id)
    filing.status = EXPORT.take(EXPORT_WITHDRAW, filing, actor)
    filing.decision_reason = reason
    filing.save(update_fields=["status", "decision_reason", "updated_at"])
    if filing.reviewer_id is not None:
        notify(
            users=[filing.reviewer],
            kind="export_withdrawn",
            params={**_params(filing), "reason": reason},
            link=_staff_link(filing),
        )
    return filing


# --- the negative list ----------------------------------------------------------------------------


@transaction.atomic
def negative_list_entry_save(*, instance: NegativeListEntry, actor: User) -> NegativeListEntry:
    """Add or change an entry of the negative list (zone staff who keep it). It decides the filings
    submitted from now on; filings already submitted keep the explanation they were given."""
    adding = instance.pk is None
    if not can_edit_negative_list(actor, "add" if adding else "change"):
        raise NotAllowed(_("Only zone staff who keep the negative list can change it."))
    if not adding:
        NegativeListEntry.objects.select_for_update().filter(pk=instance.pk).first()
    problems = _Problems()
    for name in ("name_en", "name_zh_hans", "name_zh_hant"):
        setattr(instance, name, (getattr(instance, name) or "").strip())
    if not instance.name_en:
        problems.add("name_en", _("Give the reason filers read, in English at least."))
    for name in ("min_records", "min_persons"):
        value = getattr(instance, name)
        if value is not None and not 0 <= value <= COUNT_MAX:
            problems.add(name, _("Enter a number from 0 to %(max)s, or leave it empty.") % {"max": f"{COUNT_MAX:,}"})
    try:
        instance.full_clean(exclude=list(problems.errors))
    except ValidationError as error:
        problems.merge(error)
    problems.raise_any()
    instance.save()
    return instance


@transaction.atomic
def negative_list_entry_delete(*, instance: NegativeListEntry, actor: User) -> None:
    """Delete an entry; filings keep the explanation they were given. Deactivating keeps its history."""
    if not can_edit_negative_list(actor, "delete"):
        raise NotAllowed(_("Only zone staff who keep the negative list can delete its entries."))
    NegativeListEntry.objects.filter(pk=instance.pk).delete()
