"""Customs resources of the partner API: the passage check of a registered person at a checkpoint,
and the record of the checks made.

Both are zone-wide records of customs officers: a principal bound to an institution is refused
(403), whatever its scopes.
"""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from hetao.api.filters import BoundedDateFilter, FilterBackend, IdFilter, OrderingFilter, TextFilter
from hetao.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from hetao.api.permissions import HasTokenScope, IsAuditor
from hetao.api.transitions import validated
from hetao.principal import principal_for
from zone.models import TravelDocumentType

from .. import services
from ..models import Checkpoint, PassageCheck
from ..serializers.passages import PassageCheckAnswerSerializer, PassageCheckInputSerializer, PassageCheckSerializer


class CustomsStaffOnly(IsAuditor):
    """Zone staff holding `permission`; a token bound to an institution is refused whatever its scopes.

    A kind of the audit trail's permission: both guard zone-wide records no institution may read."""

    permission = ""
    message = _("Only customs officers may do this.")
    code = "not_customs_officer"

    def has_permission(self, request, view):
        principal = principal_for(request)
        if principal is None:
            return False
        if principal.token is not None and principal.token.institution_id is not None:
            return False
        return principal.user.has_perm(self.permission)


class MayCheckPassage(CustomsStaffOnly):
    permission = "customs.add_passagecheck"


class MayReadPassageChecks(CustomsStaffOnly):
    permission = "customs.view_passagecheck"


class PassageCheckView(IdempotentCreateMixin, APIView):
    """Check a person at a checkpoint by travel document: valid or not, the institution, whether
    they may hand-carry research goods. Every check is recorded (who, when, where, what it answered)."""

    permission_classes = [HasTokenScope, MayCheckPassage]
    # A check is a question to the register; what it writes is only its own record.
    write_scope = "customs:read"

    @extend_schema(
        operation_id="people_check",
        request=PassageCheckInputSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: PassageCheckAnswerSerializer},
    )
    def post(self, request):
        def check():
            data = validated(PassageCheckInputSerializer, request)
            record = services.passage_check(
                checkpoint=data["checkpoint"],
                document_type=data["document_type"],
                document_number=data["document_number"],
                actor=request.user,
            )
            return Response(PassageCheckAnswerSerializer(record).data)

        return self.idempotent(request, check)


class PassageCheckFilterSet(django_filters.FilterSet):
    checkpoint = TextFilter(
        field_name="checkpoint__code",
        max_length=Checkpoint._meta.get_field("code").max_length,
        label=_("Checkpoint (code)"),
    )
    result = django_filters.MultipleChoiceFilter(choices=PassageCheck.Result.choices, label=_("Result"))
    may_hand_carry = django_filters.BooleanFilter(label=_("May hand-carry"))
    person = IdFilter(field_name="person_id", label=_("Registered person (id)"))
    document_type = django_filters.ChoiceFilter(choices=TravelDocumentType.choices, label=_("Travel document type"))
    checked_after = BoundedDateFilter(field_name="checked_at", lookup_expr="date__gte", label=_("Checked on or after"))
    checked_before = BoundedDateFilter(
        field_name="checked_at", lookup_expr="date__lte", label=_("Checked on or before")
    )

    class Meta:
        model = PassageCheck
        fields = []


class PassageCheckViewSet(viewsets.ReadOnlyModelViewSet):
    """The recorded passage checks, newest first: by checkpoint, day and result."""

    serializer_class = PassageCheckSerializer
    permission_classes = [HasTokenScope, MayReadPassageChecks]
    read_scope = "customs:read"
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = PassageCheckFilterSet
    ordering_fields = ["id", "checked_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return PassageCheck.objects.select_related("checkpoint", "person__institution", "checked_by")
