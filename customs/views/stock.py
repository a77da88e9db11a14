"""Browser pages of bonded stock: an institution's balances by HS subheading and unit with the
movements behind each, and the same for the officers across every institution.

Balances and movements read through `visible_to` (a balance outside it is a 404); nothing here
changes stock, which only a release does (`customs.services.stock.apply`).
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hetao.exports import EXPORT_FORMATS, export_response
from hetao.pages import page_of, staff_permission
from hetao.principal import principal_for

from ..forms.declarations import StockFilterSet
from ..models import StockBalance, StockMovement
from .declarations import plain

STOCK_PERMISSION = "customs.view_stockbalance"
MOVEMENTS_PER_PAGE = 50


def _balances(principal):
    return (
        StockBalance.objects.visible_to(principal)
        .select_related("institution", "subheading")
        .order_by("institution__name_en", "subheading_id", "unit", "pk")
    )


def _with_text(balances):
    for balance in balances:
        balance.quantity_text = plain(balance.quantity)
    return balances


def _balance_page(request, pk, *, staff: bool):
    principal = principal_for(request)
    balance = get_object_or_404(_balances(principal), pk=pk)
    balance.quantity_text = plain(balance.quantity)
    movements = (
        StockMovement.objects.visible_to(principal)
        .filter(institution_id=balance.institution_id, subheading_id=balance.subheading_id, unit=balance.unit)
        .select_related("declaration", "item")
        .order_by("-created_at", "-pk")
    )
    page_obj, page_range = page_of(request, movements, per_page=MOVEMENTS_PER_PAGE)
    for movement in page_obj.object_list:
        movement.quantity_text = plain(movement.quantity)
        movement.balance_text = plain(movement.balance_after)
    return render(
        request,
        "customs/stock/balance.html",
        {"balance": balance, "page_obj": page_obj, "page_range": page_range, "staff": staff},
    )


@login_required
@require_GET
def stock_list(request):
    principal = principal_for(request)
    if principal.institution_ids is None and request.user.has_perm(STOCK_PERMISSION):
        return redirect("staff-customs-stock")
    page_obj, page_range = page_of(request, _balances(principal))
    _with_text(page_obj.object_list)
    ids = principal.institution_ids
    return render(
        request,
        "customs/stock/list.html",
        {
            "page_obj": page_obj,
            "page_range": page_range,
            "several": ids is None or len(ids) > 1,
            "export_formats": EXPORT_FORMATS,
        },
    )


@login_required
@require_GET
def stock_balance(request, pk):
    if principal_for(request).institution_ids is None and request.user.has_perm(STOCK_PERMISSION):
        return redirect("staff-customs-stock-balance", pk=pk)
    return _balance_page(request, pk, staff=False)


@staff_permission(STOCK_PERMISSION)
@require_GET
def staff_stock_list(request):
    filterset = StockFilterSet(request.GET or None, queryset=_balances(principal_for(request)))
    page_obj, page_range = page_of(request, filterset.qs, per_page=50)
    _with_text(page_obj.object_list)
    return render(
        request,
        "customs/staff/stock.html",
        {"filterset": filterset, "page_obj": page_obj, "page_range": page_range, "export_formats": EXPORT_FORMATS},
    )


@staff_permission(STOCK_PERMISSION)
@require_GET
def staff_stock_balance(request, pk):
    return _balance_page(request, pk, staff=True)


EXPORT_LIMIT = 100_000


def _export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    principal = principal_for(request)
    balances = StockFilterSet(request.GET or None, queryset=_balances(principal)).qs[:EXPORT_LIMIT]
    header = [
        _("Institution"),
        _("Registration number"),
        _("HS subheading"),
        _("Description"),
        _("Unit"),
        _("Quantity"),
        _("Updated at"),
    ]
    rows = (
        [
            balance.institution.name,
            balance.institution.registration_no,
            balance.subheading_id,
            balance.subheading.description,
            balance.get_unit_display(),
            balance.quantity,
            balance.updated_at,
        ]
        for balance in balances.iterator(chunk_size=2000)
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(fmt, filename=f"bonded-stock-{stamp}", header=header, rows=rows, title=_("Bonded stock"))


@login_required
@require_GET
def stock_export(request, fmt):
    """The institution's balances as CSV or XLSX (formula cells neutralised)."""
    return _export(request, fmt)


@staff_permission(STOCK_PERMISSION)
@require_GET
def staff_stock_export(request, fmt):
    """Every institution's balances, filtered as on the page, as CSV or XLSX."""
    return _export(request, fmt)
