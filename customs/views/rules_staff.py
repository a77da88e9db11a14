"""Staff pages of the risk rules: the rule set in priority order, each rule's conditions and
outcome in words, the versions of the set, a rule's editor with its what-if, and (de)activation.

A change goes through `customs.services.risk_rule_save`, which versions the set; the what-if
decides the declarations of a past period again under the edited, unsaved rule and shows what
would change — before anything is saved. Officers who keep the rules change them; other staff
with the view permission read them.
"""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from hetao.pages import page_of, run_service, staff_permission
from zone.models import WhitelistScope

from .. import services
from ..choices import Condition, Currency, Direction, ItemCategory, Lane, Regime, TransportMode
from ..forms.rules import RiskRuleForm, WhatIfForm
from ..models import Line, RiskRule, RuleSetVersion
from ..services.rules import RULE_PERMISSION, can_edit_rules

WHAT_IF = "what_if"  # the button that tries the edited rule on past declarations
_READERS = ("customs.view_riskrule", RULE_PERMISSION)
VERSIONS_PER_PAGE = 20


def _labels(values, choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(value, value)) for value in values)


def _amount(value) -> str:
    return f"{value:,.2f}"


def conditions_in_words(rule) -> list[str]:
    """When the rule fires, one condition a line; every condition must hold."""
    words = []
    if rule.lines:
        words.append(_("Line: %(values)s") % {"values": _labels(rule.lines, Line.choices)})
    if rule.directions:
        words.append(_("Direction: %(values)s") % {"values": _labels(rule.directions, Direction.choices)})
    if rule.transport_modes:
        words.append(_("Transport mode: %(values)s") % {"values": _labels(rule.transport_modes, TransportMode.choices)})
    if rule.scopes_all:
        words.append(
            _("The filer holds every one of these whitelist scopes: %(values)s")
            % {"values": _labels(rule.scopes_all, WhitelistScope.choices)}
        )
    if rule.scopes_missing:
        words.append(
            _("The filer lacks one of these whitelist scopes: %(values)s")
            % {"values": _labels(rule.scopes_missing, WhitelistScope.choices)}
        )
    if rule.checkpoint_hand_carry == Condition.YES:
        words.append(_("At a hand-carry channel"))
    elif rule.checkpoint_hand_carry == Condition.NO:
        words.append(_("Not at a hand-carry channel"))
    if rule.designated_carrier == Condition.YES:
        words.append(_("Carried by a designated carrier of the filer"))
    elif rule.designated_carrier == Condition.NO:
        words.append(_("Not carried by a designated carrier of the filer"))
    item = []
    if rule.categories:
        labels = _labels(rule.categories, ItemCategory.choices)
        if rule.categories_excluded:
            item.append(_("of any category but: %(values)s") % {"values": labels})
        elif len(rule.categories) == 1:
            item.append(_("of the category %(values)s") % {"values": labels})
        else:
            item.append(_("of one of the categories: %(values)s") % {"values": labels})
    if rule.hs_prefixes:
        item.append(_("with an HS code starting with %(values)s") % {"values": ", ".join(rule.hs_prefixes)})
    if rule.origins:
        names = dict(countries)
        item.append(
            _("originating in %(values)s")
            % {"values": ", ".join(f"{names.get(code, code)} ({code})" for code in rule.origins)}
        )
    if rule.currencies:
        item.append(_("valued in %(values)s") % {"values": _labels(rule.currencies, Currency.choices)})
    if rule.min_value is not None and rule.max_value is not None:
        item.append(
            _("worth from %(low)s to %(high)s") % {"low": _amount(rule.min_value), "high": _amount(rule.max_value)}
        )
    elif rule.min_value is not None:
        item.append(_("worth at least %(low)s") % {"low": _amount(rule.min_value)})
    elif rule.max_value is not None:
        item.append(_("worth at most %(high)s") % {"high": _amount(rule.max_value)})
    if rule.permit == Condition.YES:
        item.append(_("with a permit"))
    elif rule.permit == Condition.NO:
        item.append(_("without a permit"))
    if item:
        words.append(_("At least one item %(conditions)s") % {"conditions": "; ".join(item)})
    if not words:
        words.append(_("Every declaration"))
    return words


def outcome_in_words(rule) -> list[str]:
    """What the rule calls for when it fires."""
    words = []
    if rule.refuse:
        words.append(_("Refused: the declaration stays a draft"))
    if rule.regime:
        words.append(_("Regime: %(regime)s") % {"regime": Regime(rule.regime).label})
    if rule.lane:
        words.append(_("Lane: %(lane)s") % {"lane": Lane(rule.lane).label})
    if rule.permit_required:
        words.append(_("A permit is required"))
    return words


@staff_permission(*_READERS)
@require_GET
def rule_list(request):
    rules = list(RiskRule.objects.order_by("priority", "pk"))
    for rule in rules:
        rule.conditions_words = conditions_in_words(rule)
        rule.outcome_words = outcome_in_words(rule)
    versions = RuleSetVersion.objects.select_related("created_by").order_by("-number")
    page_obj, page_range = page_of(request, versions, per_page=VERSIONS_PER_PAGE)
    for version in page_obj.object_list:
        version.rule_count = len(version.rules or [])
    return render(
        request,
        "customs/staff/rules.html",
        {
            "rules": rules,
            "version": services.current_version(),
            "page_obj": page_obj,
            "page_range": page_range,
            "can_add": can_edit_rules(request.user, "add"),
            "can_change": can_edit_rules(request.user, "change"),
        },
    )


def edited_rule_set(edited: RiskRule) -> list[RiskRule]:
    """The active rule set with `edited` (unsaved) in place of the rule it changes, or added."""
    others = [rule for rule in services.current_rules() if rule.pk != edited.pk]
    return others + ([edited] if edited.active else [])


def what_if_rows(result: dict) -> dict:
    lanes, regimes = dict(Lane.choices), dict(Regime.choices)
    moves = []
    for key, count in sorted(result["moves"].items()):
        before, _arrow, after = key.partition("→")
        moves.append({"before": lanes.get(before, before), "after": lanes.get(after, after), "count": count})
    examples = [
        {
            "pk": example["declaration"],
            "number": example["number"],
            "lane_before": lanes.get(example["lane"][0], example["lane"][0]),
            "lane_after": lanes.get(example["lane"][1], example["lane"][1]),
            "regime_before": regimes.get(example["regime"][0], example["regime"][0]),
            "regime_after": regimes.get(example["regime"][1], example["regime"][1]),
            "refused": example["refused"],
        }
        for example in result["examples"]
    ]
    return {**result, "move_rows": moves, "example_rows": examples}


def _rule_form_page(request, rule: RiskRule, *, success):
    form = RiskRuleForm(request.POST or None, instance=rule)
    period = WhatIfForm(request.POST or None)
    result = None
    if request.method == "POST":
        if WHAT_IF in request.POST:
            # The form applies the edits to an unsaved copy; nothing is written.
            rule_valid, period_valid = form.is_valid(), period.is_valid()
            if rule_valid and period_valid:
                result = what_if_rows(
                    services.what_if(
                        rules=edited_rule_set(form.instance),
                        start=period.cleaned_data["start"],
                        end=period.cleaned_data["end"],
                    )
                )
        elif form.is_valid():
            outcome = run_service(
                request,
                lambda: services.risk_rule_save(instance=form.instance, actor=request.user),
                form=form,
                success=success,
            )
            if outcome.ok:
                return redirect("staff-customs-rules")
    return render(
        request,
        "customs/staff/rule_form.html",
        {"form": form, "rule": rule, "period_form": period, "result": result},
    )


@staff_permission("customs.add_riskrule")
@require_http_methods(["GET", "POST"])
def rule_add(request):
    return _rule_form_page(
        request,
        RiskRule(),
        success=_(
            "The rule is added; the rule set has a new version, which decides the declarations filed from now on."
        ),
    )


@staff_permission(RULE_PERMISSION)
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    rule = get_object_or_404(RiskRule, pk=pk)
    return _rule_form_page(
        request,
        rule,
        success=_(
            "The rule is saved; the rule set has a new version. Declarations filed before keep the version "
            "that decided them."
        ),
    )


@staff_permission(RULE_PERMISSION)
@require_POST
def rule_active(request, pk):
    rule = get_object_or_404(RiskRule, pk=pk)
    rule.active = request.POST.get("active") == "1"
    run_service(
        request,
        lambda: services.risk_rule_save(instance=rule, actor=request.user),
        success=_("The rule is active again; the rule set has a new version.")
        if rule.active
        else _("The rule is deactivated; the rule set has a new version."),
    )
    return redirect("staff-customs-rules")
