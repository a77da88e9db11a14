"""Browser pages of the institution portal's data export filings: the list, a new filing (with a
check of what the negative list would decide), a filing with its outcome explained, and its steps.

Pages read through `DataExportFiling.objects.visible_to` (anything outside it is a 404), offer what
the workflow allows (`export_actions`) and change through the services; a refusal becomes a
message or a form error (`hetao.pages.run_service`), a role that does not allow it a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao.i18n import reason_in
from hetao.pages import page_of, run_service, stale_action
from hetao.principal import principal_for

from .. import services
from ..forms.data_exports import (
    DataExportFilingCreateForm,
    DataExportFilingForm,
    ExportWithdrawForm,
    MemberExportFilterSet,
)
from ..models import DataCategory, DataExportFiling, ExportStatus, Institution, Membership, Outcome
from ..permissions import EXPORT_VIEW_PERMISSION, can_file, member_role
from ..workflow import EXPORT, EXPORT_EDIT, EXPORT_SUBMIT, EXPORT_WITHDRAW, export_actions


def explanation_rows(explanation) -> list[dict]:
    """A stored explanation as the page shows it: each entry's category, outcome and reason in the
    reader's language, the strictest first (as stored)."""
    categories, outcomes = dict(DataCategory.choices), dict(Outcome.choices)
    return [
        {
            "entry": item.get("entry"),
            "category": categories.get(item.get("category"), item.get("category")),
            "outcome": item.get("outcome"),
            "outcome_label": outcomes.get(item.get("outcome"), item.get("outcome")),
            "reason": reason_in(item.get("reason")),
        }
        for item in explanation or []
    ]


def _filing_institutions(user):
    return Institution.objects.filter(
        memberships__user=user, memberships__role__in=[Membership.Role.OWNER, Membership.Role.FILER]
    ).order_by("name_en")


def _institutions_without_data_scope(institutions) -> list:
    return [institution for institution in institutions if not services.institution_exports_data(institution.pk)]


def _filing_for(request, pk) -> DataExportFiling:
    queryset = DataExportFiling.objects.visible_to(principal_for(request)).select_related(
        "institution", "reviewer", "decided_by", "created_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _back(filing):
    return redirect("data-export", pk=filing.pk)


def _is_zone_reader(request) -> bool:
    return principal_for(request).institution_ids is None and request.user.has_perm(EXPORT_VIEW_PERMISSION)


@login_required
@require_GET
def filing_list(request):
    if _is_zone_reader(request):
        return redirect("staff-data-exports")
    principal = principal_for(request)
    filings = (
        DataExportFiling.objects.visible_to(principal).select_related("institution").order_by("-updated_at", "-pk")
    )
    filterset = MemberExportFilterSet(request.GET or None, queryset=filings)
    page_obj, page_range = page_of(request, filterset.qs)
    filing_institutions = _filing_institutions(request.user)
    return render(
        request,
        "zone/data/filing_list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_file_any": filing_institutions.exists(),
            "without_data_scope": _institutions_without_data_scope(Institution.objects.visible_to(principal)),
            "filing_institution_ids": set(filing_institutions.values_list("pk", flat=True)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def filing_create(request):
    institutions = _filing_institutions(request.user)
    if not institutions.exists():
        raise PermissionDenied(_("Only owners and filers of an institution can file data exports."))
    form = DataExportFilingCreateForm(
        request.POST or None, institutions=institutions, preselect=request.GET.get("institution")
    )
    decision = None
    if request.method == "POST" and form.is_valid():
        if "precheck" in request.POST:
            outcome = run_service(
                request, lambda: services.export_filing_precheck(**form.precheck_arguments()), form=form
            )
            decision = outcome.value
        else:
            outcome = run_service(
                request,
                lambda: services.export_filing_create(
                    institution=form.cleaned_data["institution"], actor=request.user, **form.service_arguments()
                ),
                form=form,
                success=_("The draft is saved. Check it, then submit it: the negative list decides what it needs."),
            )
            if outcome.ok:
                return _back(outcome.value)
    return render(
        request,
        "zone/data/filing_form.html",
        {
            "form": form,
            "filing": None,
            "decision": explanation_rows(decision.explanation) if decision else None,
            "decision_outcome": decision.outcome if decision else None,
            "decision_outcome_label": Outcome(decision.outcome).label if decision else None,
            "without_data_scope": _institutions_without_data_scope(institutions),
        },
    )


def _render_detail(request, filing, *, withdraw_form=None):
    user = request.user
    actions = export_actions(filing, user)
    editable = EXPORT.allows(EXPORT_EDIT, filing.status) and EXPORT.may(EXPORT_EDIT, filing, user)[0]
    return render(
        request,
        "zone/data/filing_detail.html",
        {
            "filing": filing,
            "role": member_role(user, filing.institution_id),
            "can_file": can_file(user, filing.institution_id),
            "editable": editable,
            "can_submit": EXPORT_SUBMIT in actions,
            "can_withdraw": EXPORT_WITHDRAW in actions,
            "withdraw_form": (withdraw_form or ExportWithdrawForm()) if EXPORT_WITHDRAW in actions else None,
            "explanation": explanation_rows(filing.explanation),
            "data_scope": services.institution_exports_data(filing.institution_id),
        },
    )


@login_required
@require_GET
def filing_detail(request, pk):
    filing = _filing_for(request, pk)
    if _is_zone_reader(request):
        return redirect("staff-data-export", pk=filing.pk)
    return _render_detail(request, filing)


@login_required
@require_http_methods(["GET", "POST"])
def filing_edit(request, pk):
    filing = _filing_for(request, pk)
    if not can_file(request.user, filing.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can change its filings."))
    if stale_action(request, EXPORT, EXPORT_EDIT, filing):
        return _back(filing)
    initial = {
        name: getattr(filing, name)
        for name in (
            "title",
            "reference",
            "description",
            "categories",
            "record_count",
            "person_count",
            "destination",
            "recipient",
            "purpose",
            "channel",
            "security_measures",
            "period_start",
            "period_end",
        )
    }
    initial["destination_country"] = str(filing.destination_country or "")
    form = DataExportFilingForm(request.POST or None, initial=initial)
    decision = None
    if request.method == "POST" and form.is_valid():
        if "precheck" in request.POST:
            decision = run_service(
                request, lambda: services.export_filing_precheck(**form.precheck_arguments()), form=form
            ).value
        else:
            outcome = run_service(
                request,
                lambda: services.export_filing_update(
                    filing_id=filing.pk, actor=request.user, **form.service_arguments()
                ),
                form=form,
                success=_("Your changes are saved."),
            )
            if outcome.ok or outcome.conflict:
                return _back(filing)
    return render(
        request,
        "zone/data/filing_form.html",
        {
            "form": form,
            "filing": filing,
            "decision": explanation_rows(decision.explanation) if decision else None,
            "decision_outcome": decision.outcome if decision else None,
            "decision_outcome_label": Outcome(decision.outcome).label if decision else None,
            "without_data_scope": _institutions_without_data_scope([filing.institution]),
        },
    )


@login_required
@require_POST
def filing_submit(request, pk):
    filing = _filing_for(request, pk)
    outcome = run_service(
        request,
        lambda: services.export_filing_submit(filing_id=filing.pk, actor=request.user),
        failure=_("The filing is not complete yet: %(problems)s"),
    )
    if outcome.ok:
        submitted = outcome.value
        if submitted.status == ExportStatus.REJECTED:
            messages.error(
                request,
                _("The negative list refuses this export, so the filing is closed as rejected. The reasons are below."),
            )
        elif submitted.outcome == Outcome.ASSESSMENT:
            messages.success(
                request,
                _("The filing is submitted. It needs a security assessment; the zone's assessors have been told."),
            )
        else:
            messages.success(
                request, _("The filing is submitted. The negative list asks for filing only; an assessor confirms it.")
            )
    return _back(filing)


@login_required
@require_POST
def filing_withdraw(request, pk):
    filing = _filing_for(request, pk)
    if not can_file(request.user, filing.institution_id):
        raise PermissionDenied(_("Only owners and filers of the institution can withdraw its filings."))
    if stale_action(request, EXPORT, EXPORT_WITHDRAW, filing):
        return _back(filing)
    form = ExportWithdrawForm(request.POST)
    if form.is_valid():
        outcome = run_service(
            request,
            lambda: services.export_filing_withdraw(
                filing_id=filing.pk, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("The filing is withdrawn."),
        )
        if outcome.ok or outcome.conflict:
            return _back(filing)
    return _render_detail(request, filing, withdraw_form=form)
