"""Data export resources of the partner API: the filings of the caller's institution(s), with their
workflow steps and a pre-check, and the negative list that decides them.

The negative list is staff reference data: every principal with `data:read` reads it (an
institution sees the rules its filings will meet), and only zone staff who keep it change it.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from hetao.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from hetao.api.permissions import HasTokenScope
from hetao.api.schema import ApiErrorSerializer
from hetao.api.transitions import CONFLICT, TransitionMixin, transition_action, validated
from hetao.i18n import reason_in
from hetao.principal import principal_for

from .. import services
from ..filtersets.data_exports import DataExportFilingApiFilterSet, NegativeListEntryFilterSet
from ..models import DataExportFiling, Institution, NegativeListEntry
from ..permissions import can_edit_negative_list
from ..serializers.data_exports import (
    DataExportFilingSerializer,
    DataExportFilingUpdateSerializer,
    ExportApproveSerializer,
    ExportRejectSerializer,
    ExportWithdrawSerializer,
    NegativeListEntrySerializer,
    PrecheckResultSerializer,
    PrecheckSerializer,
)
from ..services.data_exports import FILING_FIELDS
from ..workflow import EXPORT, EXPORT_EDIT

_NOT_YOURS = OpenApiResponse(
    ApiErrorSerializer,
    description=(
        "The institution named in the body does not exist or is not one you can see (code not_found): "
        "the two are answered alike."
    ),
)


def _institution_of(request, institution_id):
    """The institution a request files for: the one named (404 if the caller cannot see it, exactly
    like one that does not exist), or the only one of a caller bound to one."""
    principal = principal_for(request)
    if institution_id is None:
        ids = principal.institution_ids
        if ids is None or len(ids) != 1:
            raise ValidationError({"institution": [_("Name the institution the filing is for.")]})
        institution_id = next(iter(ids))
    institution = Institution.objects.visible_to(principal).filter(pk=institution_id).first()
    if institution is None:
        raise Http404
    return institution


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={201: DataExportFilingSerializer, 404: _NOT_YOURS}
    )
)
class DataExportFilingViewSet(
    TransitionMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Data export filings of the caller's institution(s); assessors see all of them."""

    serializer_class = DataExportFilingSerializer
    filterset_class = DataExportFilingApiFilterSet
    ordering_fields = ["id", "created_at", "submitted_at", "decided_at", "updated_at"]
    ordering = ["-id"]
    read_scope = "data:read"
    write_scope = "data:write"
    http_method_names = ["get", "post", "patch", "head", "options"]
    transition_machine = EXPORT
    transition_id_argument = "filing_id"

    def get_queryset(self):
        return DataExportFiling.objects.visible_to(principal_for(self.request)).select_related(
            "institution", "reviewer"
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        institution = _institution_of(self.request, data.pop("institution_id", None))
        serializer.instance = services.export_filing_create(
            institution=institution,
            actor=self.request.user,
            **{name: data[name] for name in FILING_FIELDS if name in data},
        )

    @extend_schema(request=DataExportFilingUpdateSerializer, responses={200: DataExportFilingSerializer, 409: CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        return self.run_transition(
            request, EXPORT_EDIT, services.export_filing_update, DataExportFilingUpdateSerializer
        )

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    submit = transition_action(
        "submit",
        services.export_filing_submit,
        response=DataExportFilingSerializer,
        description=gettext_lazy(
            "Submit the draft: the negative list decides the outcome and the filing keeps why. A refused "
            "filing is rejected at once. Needs the institution's active whitelist entry with the data scope."
        ),
    )
    assess = transition_action(
        "assess",
        services.export_filing_assess,
        response=DataExportFilingSerializer,
        description=gettext_lazy("Take a submitted filing under assessment (assessors)."),
    )
    approve = transition_action(
        "approve",
        services.export_filing_approve,
        request=ExportApproveSerializer,
        response=DataExportFilingSerializer,
        description=gettext_lazy(
            "Approve: the filing gets its number HTDX-YYYY-NNNNNN. A filing that needs a security assessment "
            "is approved only under assessment (409 assessment_required otherwise)."
        ),
    )
    reject = transition_action(
        "reject", services.export_filing_reject, request=ExportRejectSerializer, response=DataExportFilingSerializer
    )
    withdraw = transition_action(
        "withdraw",
        services.export_filing_withdraw,
        request=ExportWithdrawSerializer,
        response=DataExportFilingSerializer,
    )

    @extend_schema(
        request=PrecheckSerializer,
        responses={200: PrecheckResultSerializer, 404: _NOT_YOURS},
        description=gettext_lazy(
            "What the negative list would decide for a filing with these values, without saving anything. "
            "The body of a create is accepted as it is."
        ),
    )
    @action(detail=False, methods=["post"], write_scope="data:read")
    def precheck(self, request):
        data = validated(PrecheckSerializer, request)
        institution_id = data.pop("institution", None)
        whitelisted = None
        if institution_id is not None or principal_for(request).institution_ids is not None:
            institution = _institution_of(request, institution_id)
            whitelisted = services.institution_exports_data(institution.pk)
        decision = services.export_filing_precheck(**data)
        return Response(
            PrecheckResultSerializer(
                {
                    "outcome": decision.outcome,
                    "explanation": [{**item.as_json(), "reason": reason_in(item.reason)} for item in decision.applied],
                    "whitelisted": whitelisted,
                }
            ).data
        )


class KeepsTheNegativeList(permissions.BasePermission):
    """Writes to the negative list: zone staff (not bound to an institution) holding the permission."""

    message = gettext_lazy("Only zone staff who keep the negative list can change it.")
    code = "not_allowed"
    verbs = {"POST": "add", "PATCH": "change", "PUT": "change", "DELETE": "delete"}

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        principal = principal_for(request)
        if principal is None or principal.institution_ids is not None:
            return False
        return can_edit_negative_list(request.user, self.verbs.get(request.method, "change"))


class NegativeListEntryViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The negative list of data exports: read by every principal with data:read, changed by the zone
    staff who keep it. A change decides the filings submitted from then on."""

    queryset = NegativeListEntry.objects.all()
    serializer_class = NegativeListEntrySerializer
    permission_classes = [HasTokenScope, KeepsTheNegativeList]
    filterset_class = NegativeListEntryFilterSet
    ordering_fields = ["id", "category", "outcome", "updated_at"]
    ordering = ["category", "id"]
    read_scope = "data:read"
    write_scope = "data:write"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Reference data kept by staff: no institution owns an entry.
    tenant_scoped = False

    def perform_create(self, serializer):
        serializer.instance = services.negative_list_entry_save(
            instance=NegativeListEntry(**serializer.validated_data), actor=self.request.user
        )

    def perform_update(self, serializer):
        entry = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(entry, name, value)
        serializer.instance = services.negative_list_entry_save(instance=entry, actor=self.request.user)

    def perform_destroy(self, instance):
        services.negative_list_entry_delete(instance=instance, actor=self.request.user)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)
