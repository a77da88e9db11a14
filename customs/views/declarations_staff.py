"""Staff pages of customs declarations: the officers' queue with its export, a declaration with
the officers' steps (inspect, release, hold, reject), and the dashboard tile.

Officers decide through the same services as the API; a stale page (the declaration has moved
on) gets a message and the current state, never a 500. An officer who is a member of the
declarant reads the declaration and is told why they cannot decide it.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hetao import registry
from hetao.exports import EXPORT_FORMATS, export_response
from hetao.pages import form_step, page_of, staff_permission
from hetao.principal import principal_for

from .. import services
from ..choices import Lane
from ..forms.declarations import DeclarationQueueFilterSet, HoldForm, InspectForm, RejectForm, ReleaseForm
from ..models import Declaration, DeclarationStatus
from ..permissions import DECIDE_PERMISSION, VIEW_PERMISSION, can_decide, is_customs_officer
from ..workflow import DECLARATION, HOLD, INSPECT, REJECT, RELEASE, WAITING
from .declarations import declaration_context, declaration_for

# An export is a download of the filtered list, not a database dump.
EXPORT_LIMIT = 100_000
_READERS = (VIEW_PERMISSION, DECIDE_PERMISSION)
# Waiting this long (days) is shown in red in the queue.
LONG_WAIT_DAYS = 2


# --- the queue ----------------------------------------------------------------------------------


OVERDUE_LISTED = 20


def _queue_filterset(request) -> DeclarationQueueFilterSet:
    declarations = (
        Declaration.objects.visible_to(principal_for(request))
        .filter(filed_at__isnull=False)
        .select_related("institution", "checkpoint", "officer")
        .annotate(item_count=Count("items"))
        .order_by("filed_at", "pk")
    )
    return DeclarationQueueFilterSet(request.GET, queryset=declarations, request=request)


def _age_days(declaration, now) -> int | None:
    return (now - declaration.filed_at).days if declaration.filed_at else None


@staff_permission(*_READERS)
@require_GET
def queue(request):
    filterset = _queue_filterset(request)
    page_obj, page_range = page_of(request, filterset.qs)
    now = timezone.now()
    for declaration in page_obj.object_list:
        declaration.age_days = _age_days(declaration, now)
    return render(
        request,
        "customs/staff/queue.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_range,
            "export_formats": EXPORT_FORMATS,
            "long_wait_days": LONG_WAIT_DAYS,
            # Released goods that have not crossed in time: the officers follow them up.
            "overdue": list(services.overdue_releases()[:OVERDUE_LISTED]),
            "overdue_days": services.gates_overdue_days(),
        },
    )


@staff_permission(*_READERS)
@require_GET
def queue_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    declarations = _queue_filterset(request).qs[:EXPORT_LIMIT]
    now = timezone.now()
    header = [
        _("Declaration"),
        _("Declaration number"),
        _("Declarant"),
        _("Registration number"),
        _("Your reference"),
        _("Line"),
        _("Direction"),
        _("Checkpoint"),
        _("Planned date"),
        _("Transport mode"),
        _("Items"),
        _("Regime"),
        _("Lane"),
        _("Permit required"),
        _("Selected at random"),
        _("Status"),
        _("Filed at"),
        _("Waiting (days)"),
        _("Inspecting officer"),
    ]
    rows = (
        [
            declaration.pk,
            declaration.number or "",
            declaration.institution.name,
            declaration.institution.registration_no,
            declaration.reference,
            declaration.get_line_display(),
            declaration.get_direction_display(),
            declaration.checkpoint.code,
            declaration.planned_date,
            declaration.get_transport_mode_display(),
            declaration.item_count,
            declaration.get_regime_display(),
            declaration.get_lane_display(),
            declaration.permit_required,
            declaration.selected,
            declaration.get_status_display(),
            declaration.filed_at,
            _age_days(declaration, now),
            declaration.officer.get_username() if declaration.officer_id else "",
        ]
        for declaration in declarations.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(
        fmt, filename=f"customs-declarations-{stamp}", header=header, rows=rows, title=_("Customs declarations")
    )


# --- a declaration before the officers ------------------------------------------------------------


def _render_declaration(request, declaration, **bound_forms):
    user = request.user
    allowed, reason = can_decide(user, declaration)
    actions = DECLARATION.available_actions(declaration, user) if allowed else []
    forms = {
        "inspect_form": InspectForm() if INSPECT in actions else None,
        "release_form": ReleaseForm() if RELEASE in actions else None,
        "hold_form": HoldForm() if HOLD in actions else None,
        "reject_form": RejectForm() if REJECT in actions else None,
    }
    forms.update(bound_forms)
    return render(
        request,
        "customs/staff/declaration_detail.html",
        {
            **declaration_context(request, declaration),
            "can_decide": allowed,
            "decide_reason": reason,
            "age_days": _age_days(declaration, timezone.now()),
            **forms,
        },
    )


@staff_permission(*_READERS)
@require_GET
def declaration_detail(request, pk):
    return _render_declaration(request, declaration_for(request, pk))


def _decide(request, pk, *, action, form_name, form_class, call, done):
    """Check the state, validate the form, call the service, and answer with the page or a redirect."""
    declaration = declaration_for(request, pk)
    return form_step(
        request,
        declaration,
        machine=DECLARATION,
        action=action,
        form=form_class(request.POST),
        call=lambda data: call(declaration, data),
        done=done,
        back=redirect("staff-customs-declaration", pk=declaration.pk),
        again=lambda form: _render_declaration(request, declaration, **{form_name: form}),
    )


@staff_permission(DECIDE_PERMISSION)
@require_POST
def declaration_inspect(request, pk):
    return _decide(
        request,
        pk,
        action=INSPECT,
        form_name="inspect_form",
        form_class=InspectForm,
        call=lambda declaration, data: services.declaration_inspect(
            declaration_id=declaration.pk, actor=request.user, findings=data["findings"]
        ),
        done=_("The declaration is under your inspection."),
    )


@staff_permission(DECIDE_PERMISSION)
@require_POST
def declaration_release(request, pk):
    return _decide(
        request,
        pk,
        action=RELEASE,
        form_name="release_form",
        form_class=ReleaseForm,
        call=lambda declaration, data: services.declaration_release(
            declaration_id=declaration.pk, actor=request.user, note=data["note"]
        ),
        done=_("The goods are released; their stock changes are recorded."),
    )


@staff_permission(DECIDE_PERMISSION)
@require_POST
def declaration_hold(request, pk):
    return _decide(
        request,
        pk,
        action=HOLD,
        form_name="hold_form",
        form_class=HoldForm,
        call=lambda declaration, data: services.declaration_hold(
            declaration_id=declaration.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The declaration is held; the declarant reads the reason."),
    )


@staff_permission(DECIDE_PERMISSION)
@require_POST
def declaration_reject(request, pk):
    return _decide(
        request,
        pk,
        action=REJECT,
        form_name="reject_form",
        form_class=RejectForm,
        call=lambda declaration, data: services.declaration_reject(
            declaration_id=declaration.pk, actor=request.user, reason=data["reason"]
        ),
        done=_("The declaration is rejected; the declarant reads the reason."),
    )


# --- the dashboard ------------------------------------------------------------------------------


def declarations_tile(request):
    """The staff dashboard's tile of the declarations waiting for customs (the queue's default view)."""
    user = request.user
    if not is_customs_officer(user):
        return None
    declarations = Declaration.objects.visible_to(principal_for(request))
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    counts = declarations.aggregate(
        today=Count("pk", filter=Q(filed_at__gte=start, filed_at__lt=start + timedelta(days=1))),
        waiting=Count("pk", filter=Q(status__in=WAITING)),
        green=Count("pk", filter=Q(status__in=WAITING, lane=Lane.GREEN)),
        yellow=Count("pk", filter=Q(status__in=WAITING, lane=Lane.YELLOW)),
        red=Count("pk", filter=Q(status__in=WAITING, lane=Lane.RED)),
        held=Count("pk", filter=Q(status=DeclarationStatus.HELD)),
        oldest=Min("filed_at", filter=Q(status__in=WAITING)),
    )
    oldest = counts.pop("oldest")
    if counts["waiting"]:
        description = _(
            "%(today)s filed today. Waiting: %(green)s green, %(yellow)s yellow, %(red)s red; %(held)s of them "
            "held. The oldest has waited %(days)s days."
        ) % {**counts, "days": (timezone.now() - oldest).days if oldest else 0}
    else:
        description = _("%(today)s filed today. No declaration is waiting for customs.") % counts
    return registry.Tile(
        label=_("Declarations to decide"),
        description=description,
        url=reverse("staff-customs-declarations"),
        count=counts["waiting"],
    )
