"""Staff pages of the data export filings: the assessors' queue with its export, a filing with its
assessment and decision, and the negative-list editor.

Assessors decide through the same services as the API; a stale page (the filing has moved on)
gets a message and the current state, never a 500. The negative list changes through its
services too, with their refusals next to the fields.
"""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hetao import registry
from hetao.exports import EXPORT_FORMATS, export_response
from hetao.pages import form_step, page_of, run_service, staff_permission, stale_action
from hetao.principal import principal_for

from .. import services
from ..forms.data_exports import (
    ExportApproveForm,
    ExportQueueFilterSet,
    ExportRejectForm,
    NegativeListEntryForm,
    NegativeListFilterSet,
)
from ..models import DataExportFiling, NegativeListEntry, Outcome
from ..permissions import (
    EXPORT_ASSESS_PERMISSION,
    EXPORT_VIEW_PERMISSION,
    NEGATIVE_LIST_CHANGE_PERMISSION,
    NEGATIVE_LIST_VIEW_PERMISSION,
    can_assess_export,
    can_edit_negative_list,
    is_export_assessor,
)
from ..workflow import (
    EXPORT,
    EXPORT_APPROVE,
    EXPORT_ASSESS,
    EXPORT_REJECT,
    EXPORT_WAITING,
    export_actions,
    export_approval_problem,
)
from .data_exports import explanation_rows

# An export is a download of the filtered list, not a database dump.
EXPORT_LIMIT = 100_000
_READERS = (EXPORT_VIEW_PERMISSION, EXPORT_ASSESS_PERMISSION)


# --- the queue ----------------------------------------------------------------------------------


def _queue_filterset(request) -> ExportQueueFilterSet:
    filings = (
        DataExportFiling.objects.visible_to(principal_for(request))
        .select_related("institution", "reviewer")
        .filter(submitted_at__isnull=False)
        .order_by("submitted_at", "pk")
    )
    return ExportQueueFilterSet(request.GET, queryset=filings, request=request)


def _age_days(filing, now) -> int | None:
    return (now - filing.submitted_at).days if filing.submitted_at else None


@staff_permission(*_READERS)
@require_GET
def queue(request):
    filterset = _queue_filterset(request)
    page_obj, page_range = page_of(request, filterset.qs)
    now = timezone.now()
    for filing in page_obj.object_list:
        filing.age_days = _age_days(filing, now)
    return render(
        request,
        "zone/staff/data/queue.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "export_formats": EXPORT_FORMATS,
        },
    )


@staff_permission(*_READERS)
@require_GET
def queue_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    filings = _queue_filterset(request).qs[:EXPORT_LIMIT]
    now = timezone.now()
    header = [
        _("Filing"),
        _("Filing number"),
        _("Institution"),
        _("Registration number"),
        _("Dataset title"),
        _("Data categories"),
        _("Number of records"),
        _("Number of persons concerned"),
        _("Destination"),
        _("Country or region abroad"),
        _("Recipient"),
        _("Outcome"),
        _("Status"),
        _("Submitted at"),
        _("Waiting (days)"),
        _("Assessor"),
        _("Valid until"),
    ]
    rows = (
        [
            filing.pk,
            filing.number or "",
            filing.institution.name,
            filing.institution.registration_no,
            filing.title,
            "; ".join(filing.category_labels),
            filing.record_count,
            filing.person_count,
            filing.get_destination_display(),
            str(filing.destination_country.name) if filing.destination_country else "",
            filing.recipient,
            filing.get_outcome_display(),
            filing.get_status_display(),
            filing.submitted_at,
            _age_days(filing, now),
            filing.reviewer.get_username() if filing.reviewer_id else "",
            filing.valid_until,
        ]
        for filing in filings.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(
        fmt, filename=f"data-export-queue-{stamp}", header=header, rows=rows, title=_("Data export filings")
    )


# --- a filing under assessment ------------------------------------------------------------------


def _filing_for(request, pk) -> DataExportFiling:
    queryset = DataExportFiling.objects.visible_to(principal_for(request)).select_related(
        "institution", "reviewer", "decided_by", "created_by"
    )
    return get_object_or_404(queryset, pk=pk)


def _render_filing(request, filing, **bound_forms):
    user = request.user
    allowed, reason = can_assess_export(user, filing)
    actions = export_actions(filing, user)
    forms = {
        "approve_form": ExportApproveForm(filing=filing) if EXPORT_APPROVE in actions else None,
        "reject_form": ExportRejectForm() if EXPORT_REJECT in actions else None,
    }
    forms.update(bound_forms)
    return render(
        request,
        "zone/staff/data/filing_detail.html",
        {
            "filing": filing,
            "can_assess": allowed,
            "assess_reason": reason,
            "can_take": EXPORT_ASSESS in actions,
            "approval_problem": export_approval_problem(filing) if allowed else None,
            "explanation": explanation_rows(filing.explanation),
            "data_scope": services.institution_exports_data(filing.institution_id),
            "age_days": _age_days(filing, timezone.now()),
            **forms,
        },
    )


@staff_permission(*_READERS)
@require_GET
def filing_detail(request, pk):
    return _render_filing(request, _filing_for(request, pk))


def _decide(request, pk, *, action, form_name, make_form, call, done):
    """Check the state, validate the form, call the service, and answer with the page or a redirect."""
    filing = _filing_for(request, pk)
    return form_step(
        request,
        filing,
        machine=EXPORT,
        action=action,
        form=make_form(request.POST, filing),
        call=lambda data: call(filing, data),
        done=done,
        back=redirect("staff-data-export", pk=filing.pk),
        again=lambda form: _render_filing(request, filing, **{form_name: form}),
    )


@staff_permission(EXPORT_ASSESS_PERMISSION)
@require_POST
def filing_assess(request, pk):
    filing = _filing_for(request, pk)
    if not stale_action(request, EXPORT, EXPORT_ASSESS, filing):
        run_service(
            request,
            lambda: services.export_filing_assess(filing_id=filing.pk, actor=request.user),
            success=_("The filing is under your assessment; the institution has been told."),
        )
    return redirect("staff-data-export", pk=filing.pk)


@staff_permission(EXPORT_ASSESS_PERMISSION)
@require_POST
def filing_approve(request, pk):
    return _decide(
        request,
        pk,
        action=EXPORT_APPROVE,
        form_name="approve_form",
        make_form=lambda data, filing: ExportApproveForm(data, filing=filing),
        call=lambda filing, data: services.export_filing_approve(
            filing_id=filing.pk, actor=request.user, valid_until=data["valid_until"], note=data["note"]
        ),
        done=_("The filing is approved and has its number; the institution has been told."),
    )


@staff_permission(EXPORT_ASSESS_PERMISSION)
@require_POST
def filing_reject(request, pk):
    return _decide(
        request,
        pk,
        action=EXPORT_REJECT,
        form_name="reject_form",
        make_form=lambda data, filing: ExportRejectForm(data),
        call=lambda filing, data: services.export_filing_reject(
            filing_id=filing.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The filing is rejected; the institution has been told the reason."),
    )


# --- the negative list --------------------------------------------------------------------------


@staff_permission(NEGATIVE_LIST_VIEW_PERMISSION, NEGATIVE_LIST_CHANGE_PERMISSION)
@require_GET
def negative_list(request):
    filterset = NegativeListFilterSet(request.GET or None, queryset=NegativeListEntry.objects.all())
    page_obj, page_range = page_of(request, filterset.qs, per_page=100)
    return render(
        request,
        "zone/staff/data/negative_list.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "can_add": can_edit_negative_list(request.user, "add"),
            "can_change": can_edit_negative_list(request.user, "change"),
        },
    )


def _entry_form_page(request, entry, *, success):
    form = NegativeListEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        outcome = run_service(
            request,
            lambda: services.negative_list_entry_save(instance=form.instance, actor=request.user),
            form=form,
            success=success,
        )
        if outcome.ok:
            return redirect("staff-data-export-negative-list")
    return render(request, "zone/staff/data/negative_list_form.html", {"form": form, "entry": entry})


@staff_permission("zone.add_negativelistentry")
@require_http_methods(["GET", "POST"])
def negative_list_add(request):
    return _entry_form_page(
        request, NegativeListEntry(), success=_("The entry is added. It decides the filings submitted from now on.")
    )


@staff_permission(NEGATIVE_LIST_CHANGE_PERMISSION)
@require_http_methods(["GET", "POST"])
def negative_list_edit(request, pk):
    entry = get_object_or_404(NegativeListEntry, pk=pk)
    return _entry_form_page(
        request,
        entry,
        success=_("The entry is saved. Filings submitted before keep the explanation they were given."),
    )


@staff_permission(NEGATIVE_LIST_CHANGE_PERMISSION)
@require_POST
def negative_list_active(request, pk):
    entry = get_object_or_404(NegativeListEntry, pk=pk)
    entry.active = request.POST.get("active") == "1"
    run_service(
        request,
        lambda: services.negative_list_entry_save(instance=entry, actor=request.user),
        success=_("The entry is active again.") if entry.active else _("The entry is deactivated."),
    )
    if not entry.active and not NegativeListEntry.objects.filter(category=entry.category, active=True).exists():
        messages.warning(
            request,
            _("No active entry covers “%(category)s” now: filings of it need a security assessment.")
            % {"category": entry.get_category_display()},
        )
    return redirect("staff-data-export-negative-list")


# --- the dashboard ------------------------------------------------------------------------------


def assessment_tile(request):
    """The staff dashboard's tile of the data export filings waiting for the zone (the queue's default view)."""
    if not is_export_assessor(request.user):
        return None
    waiting = DataExportFiling.objects.visible_to(principal_for(request)).filter(status__in=EXPORT_WAITING)
    counts = waiting.aggregate(
        waiting=Count("pk"),
        assessment=Count("pk", filter=Q(outcome=Outcome.ASSESSMENT)),
        mine=Count("pk", filter=Q(reviewer=request.user)),
    )
    return registry.Tile(
        label=_("Data exports to assess"),
        description=_(
            "%(waiting)s waiting, %(assessment)s of them needing a security assessment (%(mine)s under yours)."
        )
        % counts,
        url=reverse("staff-data-exports"),
        count=counts["waiting"],
    )
