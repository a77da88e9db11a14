"""The audit trail over the API: every tracked event, newest first, for auditors.

Events come from pghistory's aggregate `MiddlewareEvents` view over every event table; the
request context (actor, request id, channel, method, URL, token) is the JSON our middleware
and the bearer authentication attach to each change.
"""

import django_filters
import pghistory.models
from django.apps import apps
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, viewsets

from hetao.api.filters import BoundedIsoDateTimeFilter, FilterBackend, IdFilter, OrderingFilter, TextFilter
from hetao.api.permissions import HasTokenScope, IsAuditor

# Tracked models exclude secret hashes from their events; this guards models added later.
REDACTED_KEYS = frozenset({"secret_hash", "password"})


def tracked_event_models() -> dict[str, type]:
    """Tracked model label (e.g. "zone.Site") → its pghistory event model."""
    result = {}
    for model in apps.get_models():
        if issubclass(model, pghistory.models.Event) and getattr(model, "pgh_tracked_model", None):
            result.setdefault(model.pgh_tracked_model._meta.label, model)
    return dict(sorted(result.items()))


def _redact(snapshot):
    if not isinstance(snapshot, dict):
        return snapshot
    return {key: ("***" if key in REDACTED_KEYS else value) for key, value in snapshot.items()}


class AuditActorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class AuditEventSerializer(serializers.Serializer):
    id = serializers.CharField(
        source="pgh_slug", read_only=True, help_text=_("Unique event id, e.g. zone.SiteEvent:42.")
    )
    created_at = serializers.DateTimeField(
        source="pgh_created_at", read_only=True, help_text=_("When the change's transaction started.")
    )
    label = serializers.CharField(source="pgh_label", read_only=True, help_text=_("insert, update or delete."))
    model = serializers.CharField(source="pgh_obj_model", read_only=True, help_text=_("The changed record's model."))
    object_id = serializers.CharField(
        source="pgh_obj_id", read_only=True, allow_null=True, help_text=_("The changed record's id.")
    )
    actor = AuditActorSerializer(
        source="user", read_only=True, allow_null=True, help_text=_("The signed-in user or token owner.")
    )
    token_id = serializers.SerializerMethodField(help_text=_("The API token used, if any."))
    request_id = serializers.SerializerMethodField(help_text=_("The HTTP request's id (X-Request-ID)."))
    channel = serializers.SerializerMethodField(help_text=_("web, api, command, task or batch."))
    method = serializers.SerializerMethodField(help_text=_("The HTTP method."))
    url = serializers.SerializerMethodField(help_text=_("The request path."))
    data = serializers.SerializerMethodField(help_text=_("The record's fields after the change (before, for deletes)."))
    diff = serializers.SerializerMethodField(
        help_text=_("Changed fields as [old, new] pairs, compared with the record's previous event.")
    )

    @staticmethod
    def _metadata(obj) -> dict:
        return obj.pgh_context if isinstance(obj.pgh_context, dict) else {}

    def get_token_id(self, obj) -> int | None:
        value = self._metadata(obj).get("token")
        return value if isinstance(value, int) else None

    def get_request_id(self, obj) -> str | None:
        return self._metadata(obj).get("request_id")

    def get_channel(self, obj) -> str | None:
        return self._metadata(obj).get("channel")

    def get_method(self, obj) -> str | None:
        return self._metadata(obj).get("method")

    def get_url(self, obj) -> str | None:
        return self._metadata(obj).get("url")

    def get_data(self, obj) -> dict:
        return _redact(obj.pgh_data) or {}

    def get_diff(self, obj) -> dict | None:
        return _redact(obj.pgh_diff)


class AuditEventFilterSet(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(
        choices=[(label, label) for label in tracked_event_models()],
        method="filter_model",
        help_text=_("The changed record's model, e.g. zone.Site."),
    )
    label = django_filters.ChoiceFilter(
        field_name="pgh_label",
        choices=[("insert", "insert"), ("update", "update"), ("delete", "delete")],
        help_text=_("The kind of change."),
    )
    object_id = TextFilter(field_name="pgh_obj_id", max_length=64, help_text=_("The changed record's id."))
    actor = IdFilter(field_name="user", help_text=_("Id of the user who made the change."))
    request_id = TextFilter(
        field_name="pgh_context__request_id", max_length=64, help_text=_("The HTTP request's id (X-Request-ID).")
    )
    created_after = BoundedIsoDateTimeFilter(
        field_name="pgh_created_at", lookup_expr="gte", help_text=_("Events at or after this time (ISO 8601).")
    )
    created_before = BoundedIsoDateTimeFilter(
        field_name="pgh_created_at", lookup_expr="lt", help_text=_("Events before this time (ISO 8601).")
    )

    class Meta:
        model = pghistory.models.MiddlewareEvents
        fields = []

    def filter_model(self, queryset, name, value):
        # Reading only that model's event table is far cheaper than filtering the union of all.
        return queryset.across(tracked_event_models()[value]).filter(pgh_obj_model=value)


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Append-only audit events of every business record, newest first (auditors and zone administrators)."""

    permission_classes = [HasTokenScope, IsAuditor]
    filter_backends = [FilterBackend, OrderingFilter]
    read_scope = "audit:read"
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["pgh_created_at"]
    ordering = ["-pgh_created_at"]
    # Events of one transaction share their time; the event id then the unique slug order them.
    cursor_tiebreak = ("pgh_id", "pgh_slug")
    lookup_field = "pgh_slug"
    lookup_url_kwarg = "event_id"
    lookup_value_regex = r"[\w.]+:\d+"
    queryset = pghistory.models.MiddlewareEvents.objects.none()

    def get_queryset(self):
        return pghistory.models.MiddlewareEvents.objects.select_related("user")

    def list(self, request, *args, **kwargs):
        # Two steps: page through the events' sort keys alone, then load the page's events with
        # their data and diffs. pghistory's aggregate view computes diffs for every row it
        # sorts, so sorting whole events would cost as much as the trail is long.
        keys = self.filter_queryset(self.get_queryset()).values("pgh_created_at", "pgh_id", "pgh_slug", "pgh_model")
        page = self.paginate_queryset(keys)
        by_model = {}
        for key in page:
            by_model.setdefault(key["pgh_model"], []).append(key["pgh_id"])
        events = {}
        if by_model:
            wanted = Q()
            for label, ids in by_model.items():
                wanted |= Q(pgh_model=label, pgh_id__in=ids)
            event_models = [apps.get_model(label) for label in by_model]
            for event in self.get_queryset().across(*event_models).filter(wanted):
                events[event.pgh_slug] = event
        ordered = [events[key["pgh_slug"]] for key in page if key["pgh_slug"] in events]
        return self.get_paginated_response(self.get_serializer(ordered, many=True).data)

    def get_object(self):
        label, _sep, pgh_id = self.kwargs[self.lookup_url_kwarg].rpartition(":")
        event_model = next((model for model in tracked_event_models().values() if model._meta.label == label), None)
        if event_model is None or not pgh_id.isdigit():
            raise Http404
        obj = self.get_queryset().across(event_model).filter(pgh_id=int(pgh_id)).first()
        if obj is None:
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj
