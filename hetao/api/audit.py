"""The audit trail over the API: every tracked event, newest first, for auditors."""

import django_filters
import pghistory.models
from rest_framework import serializers, viewsets

from hetao.api.permissions import HasTokenScope, IsAuditor


class AuditEventSerializer(serializers.Serializer):
    id = serializers.CharField(source="pgh_id", read_only=True)
    created_at = serializers.DateTimeField(source="pgh_created_at")
    label = serializers.CharField(source="pgh_label", help_text="insert, update or delete")
    model = serializers.CharField(source="pgh_model")
    object_id = serializers.CharField(source="pgh_obj_id", allow_null=True)
    data = serializers.JSONField(source="pgh_data")
    diff = serializers.JSONField(source="pgh_diff", allow_null=True)
    context = serializers.JSONField(source="pgh_context", allow_null=True)


class AuditEventFilterSet(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="pgh_model", help_text="e.g. zone.Park event model label")
    label = django_filters.CharFilter(field_name="pgh_label")
    object_id = django_filters.CharFilter(field_name="pgh_obj_id")
    created_after = django_filters.IsoDateTimeFilter(field_name="pgh_created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="pgh_created_at", lookup_expr="lt")

    class Meta:
        model = pghistory.models.MiddlewareEvents
        fields = []


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [HasTokenScope, IsAuditor]
    read_scope = "audit:read"
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    ordering_fields = ["pgh_created_at"]
    ordering = ["-pgh_created_at"]
    lookup_field = "pgh_id"

    def get_queryset(self):
        return pghistory.models.MiddlewareEvents.objects.all()
