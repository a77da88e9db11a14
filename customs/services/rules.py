"""The risk rule set: changes, each making a new version of the set, and the what-if that shows
how an edited set would have decided the declarations of a past period — before it is saved.

Rules are changed only here: a change is validated by the model, saved, and the whole active set
as it now reads is kept as a new `RuleSetVersion`, which the declarations filed from then on
name. The random selection's rate and seed come from the settings (`CUSTOMS_SELECTION_RATE`,
`CUSTOMS_SELECTION_SEED`).
"""

from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hetao.errors import NotAllowed

from ..models import Declaration, DeclarationStatus, RiskRule, RuleSetVersion
from ..rules import Selection, evaluate

# What a version keeps of each rule: everything the engine reads, and the reasons.
SNAPSHOT_FIELDS = [
    "priority",
    "lines",
    "directions",
    "transport_modes",
    "scopes_all",
    "scopes_missing",
    "checkpoint_hand_carry",
    "designated_carrier",
    "categories",
    "categories_excluded",
    "hs_prefixes",
    "origins",
    "currencies",
    "min_value",
    "max_value",
    "permit",
    "regime",
    "lane",
    "permit_required",
    "refuse",
    "active",
    "name_en",
    "name_zh_hans",
    "name_zh_hant",
]
RULE_PERMISSION = "customs.change_riskrule"
WHAT_IF_LIMIT = 200  # declarations listed by name in a what-if; all are counted


def can_edit_rules(user, verb: str = "change") -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(f"customs.{verb}_riskrule"))


def selection() -> Selection:
    """The random selection of green declarations, from the settings."""
    return Selection(rate=Decimal(str(settings.CUSTOMS_SELECTION_RATE)), seed=settings.CUSTOMS_SELECTION_SEED)


def current_rules():
    return RiskRule.objects.filter(active=True).order_by("priority", "pk")


def current_version() -> RuleSetVersion | None:
    return RuleSetVersion.objects.order_by("-number").first()


def snapshot(rules) -> list[dict]:
    def plain(name, value):
        return str(value) if isinstance(value, Decimal) else value

    return [{"id": rule.pk, **{name: plain(name, getattr(rule, name)) for name in SNAPSHOT_FIELDS}} for rule in rules]


def _new_version(actor, change: str, priority: int) -> RuleSetVersion:
    with connection.cursor() as cursor:
        # One version at a time: concurrent changes queue here rather than race for a number.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('customs.rule_set_version'))")
    latest = current_version()
    return RuleSetVersion.objects.create(
        number=(latest.number + 1) if latest else 1,
        rules=snapshot(RiskRule.objects.order_by("priority", "pk")),
        change=change,
        rule_priority=priority,
        created_by=actor,
    )


@transaction.atomic
def risk_rule_save(*, instance: RiskRule, actor) -> RiskRule:
    """Create or change a rule, validated by its model; the rule set gets a new version."""
    creating = instance.pk is None
    if not can_edit_rules(actor, "add" if creating else "change"):
        raise NotAllowed(_("Only customs officers who keep the risk rules can change them."))
    instance.full_clean()
    instance.save()
    change = RuleSetVersion.Change.ADDED if creating else RuleSetVersion.Change.CHANGED
    _new_version(actor, change, instance.priority)
    return instance


@transaction.atomic
def risk_rule_delete(*, instance: RiskRule, actor) -> None:
    """Delete a rule; the rule set gets a new version (declarations keep the version they were decided by)."""
    if not can_edit_rules(actor, "delete"):
        raise NotAllowed(_("Only customs officers who keep the risk rules can delete them."))
    priority = instance.priority
    instance.delete()
    _new_version(actor, RuleSetVersion.Change.DELETED, priority)


def what_if(*, rules, start: date, end: date) -> dict:
    """How `rules` (unsaved: any objects with the fields of RiskRule) would have decided the
    declarations filed from `start` to `end`, against how they were decided. Reads only.

    Answers the number of declarations read, how many would change lane, regime or refusal, the
    lane moves ("green→yellow": n), and the first WHAT_IF_LIMIT changed declarations."""
    from .declarations import facts_of  # the declarations module imports this one

    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end, time.max, tzinfo=zone)
    declarations = (
        Declaration.objects.filter(filed_at__range=(since, until))
        .exclude(status__in=[DeclarationStatus.DRAFT, DeclarationStatus.CANCELLED])
        .select_related("checkpoint", "carrier")
        .prefetch_related("items")
        .order_by("filed_at", "pk")
    )
    rules = list(rules)
    draw = selection()
    counted, changed_total, moves, changed = 0, 0, Counter(), []
    for declaration in declarations.iterator(chunk_size=500):
        counted += 1
        decision = evaluate(facts_of(declaration), rules, selection=draw)
        differs = {
            "lane": decision.lane != declaration.lane,
            "regime": decision.regime != declaration.regime,
            "refused": decision.refused,
        }
        if not any(differs.values()):
            continue
        changed_total += 1
        if differs["lane"]:
            moves[f"{declaration.lane}→{decision.lane}"] += 1
        if len(changed) < WHAT_IF_LIMIT:
            changed.append(
                {
                    "declaration": declaration.pk,
                    "number": declaration.number,
                    "lane": [declaration.lane, decision.lane],
                    "regime": [declaration.regime, decision.regime],
                    "refused": decision.refused,
                }
            )
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "declarations": counted,
        "changed": changed_total,
        "lane_changes": sum(moves.values()),
        "moves": dict(moves),
        "examples": changed,
    }
