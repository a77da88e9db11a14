"""Staff portal pages of the portal core: the audit trail and API tokens."""

import json

import pghistory.models
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from hetao import views
from hetao.exports import EXPORT_FORMATS, export_response
from hetao.filtersets import AUDIT_ACTIONS, AuditEventFilterSet, audited_model_choices
from hetao.models import User

AUDIT_PAGE_SIZE = 50
# An export is a download of the filtered list, not a database dump.
AUDIT_EXPORT_LIMIT = 100_000


def _audit_filterset(request) -> AuditEventFilterSet:
    events = pghistory.models.MiddlewareEvents.objects.order_by("-pgh_created_at", "-pgh_slug")
    return AuditEventFilterSet(request.GET or None, queryset=events)


def _usernames(user_ids) -> dict[int, str]:
    ids = {int(pk) for pk in user_ids if pk is not None}
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))


def _changes(event) -> list[tuple[str, object, object]]:
    """(field, before, after) of an update; (field, None, value) of an insert or delete."""
    if event.pgh_label == "update" and event.pgh_diff:
        return [(field, values[0], values[1]) for field, values in sorted(event.pgh_diff.items())]
    return [(field, None, value) for field, value in sorted((event.pgh_data or {}).items())]


@permission_required("hetao.view_audit", raise_exception=True)
@require_GET
def audit_events(request):
    filterset = _audit_filterset(request)
    page_obj = Paginator(filterset.qs, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    events = list(page_obj.object_list)
    usernames = _usernames(event.user_id for event in events)
    models = dict(audited_model_choices())
    actions = dict(AUDIT_ACTIONS)
    rows = [
        {
            "event": event,
            "model": models.get(event.pgh_obj_model, event.pgh_obj_model),
            "action": actions.get(event.pgh_label, event.pgh_label),
            "actor": usernames.get(event.user_id),
            "context": event.pgh_context or {},
            "changes": _changes(event),
        }
        for event in events
    ]
    return render(
        request,
        "staff/audit_events.html",
        {
            "filterset": filterset,
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
            "rows": rows,
            "export_formats": EXPORT_FORMATS,
        },
    )


class _UsernameCache(dict):
    """Usernames looked up once per actor while an export streams its rows."""

    def __missing__(self, user_id):
        name = "" if user_id is None else User.objects.filter(pk=user_id).values_list("username", flat=True).first()
        self[user_id] = name or ""
        return self[user_id]


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else ""


@permission_required("hetao.view_audit", raise_exception=True)
@require_GET
def audit_export(request, fmt):
    if fmt not in EXPORT_FORMATS:
        raise Http404
    filterset = _audit_filterset(request)
    events = filterset.qs[:AUDIT_EXPORT_LIMIT].iterator(chunk_size=2000)
    usernames = _UsernameCache()
    header = [
        _("Event"),
        _("Time"),
        _("Action"),
        _("Record type"),
        _("Record id"),
        _("Changed by"),
        _("Channel"),
        _("Request id"),
        _("Address"),
        _("Changes"),
        _("Data"),
    ]
    rows = (
        [
            event.pgh_slug,
            event.pgh_created_at,
            event.pgh_label,
            event.pgh_obj_model,
            event.pgh_obj_id,
            usernames[event.user_id],
            (event.pgh_context or {}).get("channel", ""),
            (event.pgh_context or {}).get("request_id", ""),
            event.url or "",
            _json(event.pgh_diff),
            _json(event.pgh_data),
        ]
        for event in events
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(fmt, filename=f"audit-trail-{stamp}", header=header, rows=rows, title=_("Audit trail"))


@permission_required("hetao.view_apitoken", raise_exception=True)
@require_GET
def tokens(request):
    return views.token_list_page(request, views.staff_token_area(request.user))


@never_cache
@permission_required("hetao.add_apitoken", raise_exception=True)
@require_http_methods(["GET", "POST"])
def token_create(request):
    return views.token_create_page(request, views.staff_token_area(request.user))


@permission_required("hetao.change_apitoken", raise_exception=True)
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    return views.token_revoke_page(request, views.staff_token_area(request.user), pk)
