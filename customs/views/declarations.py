"""Browser pages of the institution portal's customs declarations: the list, a new declaration and
a draft's changes (the header and its items, with a check of what the risk rules would decide), a
declaration with its decision explained and its stock effect, and its steps (file, cancel).

Pages read through `Declaration.objects.visible_to` (anything outside it is a 404), offer what
the workflow allows (`DECLARATION.available_actions`) and change through the services; a refusal
becomes a message or errors next to the fields (`hetao.pages.run_service`), a role that does not
allow it a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao.i18n import reason_in
from hetao.pages import page_of, run_service, stale_action
from hetao.principal import principal_for
from zone.models import Institution, Membership
from zone.permissions import member_role

from .. import services
from ..choices import Lane, Regime, Unit
from ..forms.declarations import (
    ITEMS_PREFIX,
    CancelForm,
    DeclarationCreateForm,
    DeclarationForm,
    DeclarationInput,
    MemberDeclarationFilterSet,
    item_formset,
    item_initial,
    posted_header,
    posted_rows,
)
from ..models import Declaration, DeclarationItem, DeclarationStatus, StockMovement
from ..permissions import VIEW_PERMISSION
from ..selectors import declaration_history
from ..services.checks import HEADER_FIELDS
from ..services.stock import plain_quantity as plain
from ..services.stock import shortages
from ..workflow import CANCEL, DECLARATION, EDIT, FILE, WAITING

PRECHECK = "precheck"  # the button that asks the rules without saving
ADD_ROWS = "add_rows"  # the button that offers more blank item rows


# --- what the declaration pages show (the staff pages show the same) -------------------------------


def declarations_of(principal):
    return Declaration.objects.visible_to(principal).select_related(
        "institution",
        "receiving_institution",
        "checkpoint",
        "carrier__institution",
        "rule_set_version",
        "officer",
        "decided_by",
        "created_by",
    )


def declaration_for(request, pk) -> Declaration:
    items = DeclarationItem.objects.select_related("subheading").order_by("position")
    queryset = declarations_of(principal_for(request)).prefetch_related(Prefetch("items", queryset=items))
    return get_object_or_404(queryset, pk=pk)


def explanation_rows(declaration) -> list[dict]:
    """The rules that fired as the page shows them: the reason in the reader's language, the rule's
    priority in the version that decided, the items it named and what it called for."""
    priorities = {}
    if declaration.rule_set_version is not None:
        priorities = {
            rule.get("id"): rule.get("priority")
            for rule in declaration.rule_set_version.rules or []
            if isinstance(rule, dict)
        }
    lanes, regimes = dict(Lane.choices), dict(Regime.choices)
    rows = []
    for fired in declaration.explanation or []:
        if not isinstance(fired, dict):
            continue
        rows.append(
            {
                "rule": fired.get("rule"),
                "priority": priorities.get(fired.get("rule")),
                "kind": fired.get("kind"),
                "reason": reason_in(fired.get("reason")),
                "items": fired.get("items") or [],
                "regime_label": regimes.get(fired.get("regime"), ""),
                "lane": fired.get("lane") or "",
                "lane_label": lanes.get(fired.get("lane"), ""),
                "permit_required": bool(fired.get("permit_required")),
                "refuse": bool(fired.get("refuse")),
            }
        )
    return rows


def stock_rows(declaration, items, principal) -> tuple[list[dict], list[str]]:
    """The stock changes the declaration makes at its release, and what it would take beyond the
    stock held now (said only to those who may see the declarant's stock, and only before release)."""
    changes = services.stock_effect(declaration, items)
    names = {declaration.institution_id: declaration.institution}
    if declaration.receiving_institution_id:
        names[declaration.receiving_institution_id] = declaration.receiving_institution
    kinds, units = dict(StockMovement.Kind.choices), dict(Unit.choices)
    rows = [
        {
            "institution": names.get(change.institution_id),
            "subheading": change.subheading,
            "unit": change.unit,
            "unit_label": units.get(change.unit, change.unit),
            "quantity": plain(change.quantity),
            "leaves": change.quantity < 0,
            "kind_label": kinds.get(change.kind, change.kind),
            "position": change.position,
        }
        for change in changes
    ]
    short = []
    pending = declaration.status in (DeclarationStatus.DRAFT, *WAITING)
    if pending and principal is not None and principal.can_see_institution(declaration.institution_id):
        short = shortages(changes)
    return rows, short


def declaration_context(request, declaration) -> dict:
    """What a declaration's page shows, for its institution and for the officers alike."""
    items = list(declaration.items.all())
    for item in items:
        item.quantity_text = plain(item.quantity)
    changes, short = stock_rows(declaration, items, principal_for(request))
    return {
        "declaration": declaration,
        "items": items,
        "history": declaration_history(declaration),
        "explanation": explanation_rows(declaration),
        "stock_changes": changes,
        "stock_shortages": short,
        "released": declaration.status == DeclarationStatus.RELEASED,
    }


def filing_institutions(user):
    """The institutions whose declarations `user` prepares and files: where an owner or a filer."""
    return Institution.objects.filter(
        memberships__user=user, memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER]
    ).order_by("name_en")


def _is_zone_reader(request) -> bool:
    return principal_for(request).institution_ids is None and request.user.has_perm(VIEW_PERMISSION)


def _back(declaration):
    return redirect("customs-declaration", pk=declaration.pk)


# --- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def declaration_list(request):
    if _is_zone_reader(request):
        return redirect("staff-customs-declarations")
    declarations = (
        Declaration.objects.visible_to(principal_for(request))
        .select_related("institution", "receiving_institution", "checkpoint")
        .annotate(item_count=Count("items"))
        .order_by("-created_at", "-pk")
    )
    filterset = MemberDeclarationFilterSet(request.GET or None, queryset=declarations)
    page_obj, page_range = page_of(request, filterset.qs)
    return render(
        request,
        "customs/declarations/list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_file_any": filing_institutions(request.user).exists(),
        },
    )


# --- a draft: new, changed, checked against the rules ---------------------------------------------


def _decision(answer: dict) -> dict | None:
    if answer.get("regime") is None:
        return None
    return {
        "regime_label": Regime(answer["regime"]).label,
        "lane": answer["lane"],
        "lane_label": Lane(answer["lane"]).label,
        "permit_required": answer["permit_required"],
        "refused": answer["refused"],
        "reasons": [fired["reason"] for fired in answer["rules_fired"]],
    }


def _precheck(request, entry: DeclarationInput, institution, values: dict, items: list[dict]) -> dict | None:
    """What filing would decide, writing nothing; its problems go next to their fields."""
    outcome = run_service(
        request, lambda: services.declaration_precheck(institution=institution, items=items, **values), form=entry
    )
    if not outcome.ok:
        return None
    answer = outcome.value
    if answer.get("errors"):
        entry.add_service_errors(ValidationError(answer["errors"]))
    return _decision(answer)


def _more_rows(data, make_header, names) -> DeclarationInput:
    """The page again as typed, with more blank item rows; nothing is checked or saved yet."""
    header = make_header(posted_header(data, names))
    return DeclarationInput(header, item_formset()(initial=posted_rows(data), prefix=ITEMS_PREFIX))


def _form_page(request, entry: DeclarationInput, *, declaration=None, decision=None):
    return render(
        request,
        "customs/declarations/form.html",
        {
            "entry": entry,
            "form": entry.header,
            "formset": entry.items,
            "declaration": declaration,
            "decision": decision,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_create(request):
    institutions = filing_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied(_("Only owners and filers of an institution can declare goods."))
    if request.method == "POST" and ADD_ROWS in request.POST:
        entry = _more_rows(
            request.POST,
            lambda initial: DeclarationCreateForm(initial=initial, institutions=institutions),
            ("institution", *HEADER_FIELDS),
        )
        return _form_page(request, entry)
    header = DeclarationCreateForm(
        request.POST or None, institutions=institutions, preselect=request.GET.get("institution")
    )
    entry = DeclarationInput(header, item_formset()(request.POST or None, prefix=ITEMS_PREFIX))
    decision = None
    if request.method == "POST" and entry.is_valid():
        institution = header.cleaned_data["institution"]
        values, items = header.service_values(), entry.service_items()
        if PRECHECK in request.POST:
            decision = _precheck(request, entry, institution, values, items)
        else:
            outcome = run_service(
                request,
                lambda: services.declaration_create(institution=institution, actor=request.user, items=items, **values),
                form=entry,
                success=_("The draft is saved. Check it, then file it: the risk rules decide its regime and lane."),
            )
            if outcome.ok:
                return _back(outcome.value)
    return _form_page(request, entry, decision=decision)


@login_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request, pk):
    declaration = declaration_for(request, pk)
    allowed, reason = DECLARATION.may(EDIT, declaration, request.user)
    if not allowed:
        raise PermissionDenied(reason)
    if stale_action(request, DECLARATION, EDIT, declaration):
        return _back(declaration)
    institutions = Institution.objects.filter(pk=declaration.institution_id)

    def make_header(data=None, initial=None):
        return DeclarationForm(data, initial=initial, institutions=institutions, declaration=declaration)

    if request.method == "POST" and ADD_ROWS in request.POST:
        entry = _more_rows(request.POST, lambda initial: make_header(initial=initial), HEADER_FIELDS)
        return _form_page(request, entry, declaration=declaration)
    header = make_header(request.POST or None, initial={name: getattr(declaration, name) for name in HEADER_FIELDS})
    formset = item_formset()(
        request.POST or None, initial=[item_initial(item) for item in declaration.items.all()], prefix=ITEMS_PREFIX
    )
    entry = DeclarationInput(header, formset)
    decision = None
    if request.method == "POST" and entry.is_valid():
        values, items = header.service_values(), entry.service_items()
        if PRECHECK in request.POST:
            decision = _precheck(request, entry, declaration.institution, values, items)
        else:
            outcome = run_service(
                request,
                lambda: services.declaration_update(
                    declaration_id=declaration.pk, actor=request.user, items=items, **values
                ),
                form=entry,
                success=_("Your changes are saved."),
            )
            if outcome.ok or outcome.conflict:
                return _back(declaration)
    return _form_page(request, entry, declaration=declaration, decision=decision)


# --- a declaration and its steps ----------------------------------------------------------------


def _render_detail(request, declaration, *, cancel_form=None):
    user = request.user
    actions = DECLARATION.available_actions(declaration, user)
    editable = DECLARATION.allows(EDIT, declaration.status) and DECLARATION.may(EDIT, declaration, user)[0]
    return render(
        request,
        "customs/declarations/detail.html",
        {
            **declaration_context(request, declaration),
            "declarant_member": member_role(user, declaration.institution_id) is not None,
            "editable": editable,
            "can_file": FILE in actions,
            "cancel_form": (cancel_form or CancelForm()) if CANCEL in actions else None,
        },
    )


@login_required
@require_GET
def declaration_detail(request, pk):
    declaration = declaration_for(request, pk)
    if _is_zone_reader(request):
        return redirect("staff-customs-declaration", pk=declaration.pk)
    return _render_detail(request, declaration)


def _allowed(action, declaration, user) -> None:
    allowed, reason = DECLARATION.may(action, declaration, user)
    if not allowed:
        raise PermissionDenied(reason)


@login_required
@require_POST
def declaration_file(request, pk):
    declaration = declaration_for(request, pk)
    _allowed(FILE, declaration, request.user)
    if stale_action(request, DECLARATION, FILE, declaration):
        return _back(declaration)
    outcome = run_service(
        request,
        lambda: services.declaration_file(declaration_id=declaration.pk, actor=request.user),
        failure=_("The declaration stays a draft. %(problems)s"),
    )
    if outcome.ok:
        filed = outcome.value
        messages.success(
            request,
            _("The declaration is filed as %(number)s: %(regime)s, %(lane)s lane. Customs officers take it from here.")
            % {
                "number": filed.number,
                "regime": filed.get_regime_display(),
                "lane": filed.get_lane_display().lower(),
            },
        )
    return _back(declaration)


@login_required
@require_POST
def declaration_cancel(request, pk):
    declaration = declaration_for(request, pk)
    _allowed(CANCEL, declaration, request.user)
    if stale_action(request, DECLARATION, CANCEL, declaration):
        return _back(declaration)
    form = CancelForm(request.POST)
    if form.is_valid():
        outcome = run_service(
            request,
            lambda: services.declaration_cancel(
                declaration_id=declaration.pk, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("The declaration is cancelled."),
        )
        if outcome.ok or outcome.conflict:
            return _back(declaration)
    return _render_detail(request, declaration, cancel_form=form)
