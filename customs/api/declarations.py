"""Customs resources of the partner API: checkpoints, declarations with their items and workflow
steps, the pre-check, bonded stock and the risk rules with their what-if.

Declarations and stock belong to institutions (`visible_to`: another institution's answers 404);
checkpoints and the risk rules are reference data every principal with `customs:read` reads, and
only customs officers (not bound to an institution) change the rules or run a what-if.
"""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from hetao.api.filters import BoundedDateFilter, IdFilter, TextFilter
from hetao.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from hetao.api.permissions import HasTokenScope
from hetao.api.schema import ApiErrorSerializer
from hetao.api.transitions import CONFLICT, TransitionMixin, transition_action, validated
from hetao.errors import NotAllowed
from hetao.principal import principal_for
from zone.models import Institution, RegisteredPerson

from .. import services
from ..choices import Direction, ItemCategory, Lane, Regime, TransportMode, Unit
from ..models import (
    REFERENCE_MAX,
    Checkpoint,
    Declaration,
    DeclarationItem,
    DeclarationStatus,
    GatePassage,
    Line,
    RiskRule,
    StockBalance,
    StockMovement,
)
from ..serializers.declarations import (
    CheckpointSerializer,
    DeclarationFindingsSerializer,
    DeclarationNoteSerializer,
    DeclarationOptionalReasonSerializer,
    DeclarationReasonSerializer,
    DeclarationSerializer,
    DeclarationUpdateSerializer,
    GatePassageSerializer,
    GateScanSerializer,
    PrecheckAnswerSerializer,
    RiskRuleSerializer,
    StockBalanceSerializer,
    StockMovementSerializer,
    WhatIfAnswerSerializer,
    WhatIfSerializer,
)
from ..services.checks import HEADER_FIELDS
from ..services.rules import SNAPSHOT_FIELDS, can_edit_rules
from ..workflow import DECLARATION, EDIT
from .passages import CustomsStaffOnly

NUMBER_MAX = 20  # HTCD-YYYY-NNNNNNN
MOVEMENTS_SHOWN = 100

_NOT_YOURS = OpenApiResponse(
    ApiErrorSerializer,
    description=(
        "The institution named in the body does not exist or is not one you can see (code not_found): "
        "the two are answered alike."
    ),
)


def declarant_of(request, institution_id) -> Institution:
    """The institution a request declares for: the one named (404 if the caller cannot see it, like
    one that does not exist), or the only one of a caller bound to one."""
    principal = principal_for(request)
    if institution_id is None:
        ids = principal.institution_ids
        if ids is None or len(ids) != 1:
            raise ValidationError({"institution": [_("Name the declarant institution.")]})
        institution_id = next(iter(ids))
    institution = Institution.objects.visible_to(principal).filter(pk=institution_id).first()
    if institution is None:
        raise Http404
    return institution


def related_values(data: dict, institution: Institution) -> dict:
    """The header as the services take it: ids of the receiver and the carrier made records. An id
    that names nothing becomes None, which the services refuse with a message on the field."""
    values = {name: data[name] for name in HEADER_FIELDS if name in data}
    for name, source in (("receiving_institution", "receiving_institution_id"), ("carrier", "carrier_id")):
        if source in data:
            values[name] = data.pop(source)
        if name not in values:
            continue
        pk = values[name]
        if pk is None:
            continue
        if name == "receiving_institution":
            values[name] = Institution.objects.filter(pk=pk).first()
        else:
            values[name] = RegisteredPerson.objects.filter(pk=pk, institution=institution).first()
        if values[name] is None:
            raise ValidationError({name: [_("No such record for this declaration.")]})
    return values


class CheckpointViewSet(viewsets.ReadOnlyModelViewSet):
    """The checkpoints on the first and second line and inside the park."""

    queryset = Checkpoint.objects.select_related("park")
    serializer_class = CheckpointSerializer
    read_scope = "customs:read"
    filterset_fields = ["line", "hand_carry", "active"]
    ordering_fields = ["id", "code"]
    ordering = ["code"]
    tenant_scoped = False


class DeclarationFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DeclarationStatus.choices)
    line = django_filters.ChoiceFilter(choices=Line.choices)
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    lane = django_filters.MultipleChoiceFilter(choices=Lane.choices)
    regime = django_filters.ChoiceFilter(choices=Regime.choices)
    transport_mode = django_filters.ChoiceFilter(choices=TransportMode.choices)
    checkpoint = TextFilter(field_name="checkpoint__code", max_length=16, label=gettext_lazy("Checkpoint (code)"))
    planned_after = BoundedDateFilter(field_name="planned_date", lookup_expr="gte")
    planned_before = BoundedDateFilter(field_name="planned_date", lookup_expr="lte")
    hs_chapter = django_filters.CharFilter(
        method="filter_hs_chapter", max_length=2, min_length=2, label=gettext_lazy("HS chapter (2 digits)")
    )
    category = django_filters.ChoiceFilter(
        choices=ItemCategory.choices, method="filter_category", label=gettext_lazy("Item category")
    )
    institution = IdFilter(field_name="institution_id", label=gettext_lazy("Institution (id)"))
    number = TextFilter(max_length=NUMBER_MAX, label=gettext_lazy("Declaration number"))
    reference = TextFilter(max_length=REFERENCE_MAX, label=gettext_lazy("Your reference"))

    class Meta:
        model = Declaration
        fields = []

    def filter_hs_chapter(self, queryset, name, value):
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(pk__in=DeclarationItem.objects.filter(hs_code__startswith=value).values("declaration"))

    def filter_category(self, queryset, name, value):
        return queryset.filter(pk__in=DeclarationItem.objects.filter(category=value).values("declaration"))


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={201: DeclarationSerializer, 404: _NOT_YOURS}
    )
)
class DeclarationViewSet(
    TransitionMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Declarations of the caller's institution(s), items nested; customs officers see all of them."""

    serializer_class = DeclarationSerializer
    filterset_class = DeclarationFilterSet
    ordering_fields = ["id", "created_at", "filed_at", "planned_date", "updated_at"]
    ordering = ["-id"]
    read_scope = "customs:read"
    write_scope = "customs:write"
    http_method_names = ["get", "post", "patch", "head", "options"]
    transition_machine = DECLARATION
    transition_id_argument = "declaration_id"

    def get_queryset(self):
        return (
            Declaration.objects.visible_to(principal_for(self.request))
            .select_related("institution", "checkpoint", "rule_set_version", "officer")
            .prefetch_related(Prefetch("items", queryset=DeclarationItem.objects.select_related("subheading")))
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        institution = declarant_of(self.request, data.pop("institution_id", None))
        items = [dict(item) for item in data.pop("items")]
        serializer.instance = services.declaration_create(
            institution=institution, actor=self.request.user, items=items, **related_values(data, institution)
        )

    @extend_schema(request=DeclarationUpdateSerializer, responses={200: DeclarationSerializer, 409: CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        declaration = self.get_object()
        allowed, reason = DECLARATION.may(EDIT, declaration, request.user)
        if not allowed:
            raise NotAllowed(reason)
        data = dict(validated(DeclarationUpdateSerializer, request))
        items = data.pop("items", None)
        for name in ("receiving_institution", "carrier"):
            if name in data:
                data[f"{name}_id"] = data.pop(name)
        values = related_values(data, declaration.institution)
        services.declaration_update(
            declaration_id=declaration.pk,
            actor=request.user,
            items=[dict(item) for item in items] if items is not None else None,
            **values,
        )
        return self.fresh(declaration)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    file = transition_action(
        "file",
        services.declaration_file,
        response=DeclarationSerializer,
        description=gettext_lazy(
            "File the draft: the risk rules decide its regime and lane and the declaration keeps the rules "
            "that fired. A declaration the rules refuse, or one taking more stock than is held, stays a "
            "draft (400 with the reasons)."
        ),
    )
    inspect = transition_action(
        "inspect", services.declaration_inspect, request=DeclarationFindingsSerializer, response=DeclarationSerializer
    )
    release = transition_action(
        "release",
        services.declaration_release,
        request=DeclarationNoteSerializer,
        response=DeclarationSerializer,
        description=gettext_lazy("Release the goods; their stock changes are recorded (400 when stock is short)."),
    )
    hold = transition_action(
        "hold", services.declaration_hold, request=DeclarationReasonSerializer, response=DeclarationSerializer
    )
    reject = transition_action(
        "reject", services.declaration_reject, request=DeclarationReasonSerializer, response=DeclarationSerializer
    )
    cancel = transition_action(
        "cancel",
        services.declaration_cancel,
        request=DeclarationOptionalReasonSerializer,
        response=DeclarationSerializer,
    )


class PrecheckView(APIView):
    """What filing a declaration would decide — regime, lane, permit, refusal and the rules that
    fired — and what it would refuse, without writing anything. Takes the body of a create."""

    permission_classes = [HasTokenScope]
    write_scope = "customs:read"

    @extend_schema(
        operation_id="customs_precheck",
        request=DeclarationSerializer,
        responses={200: PrecheckAnswerSerializer, 404: _NOT_YOURS},
    )
    def post(self, request):
        serializer = DeclarationSerializer(data=request.data)
        if not serializer.is_valid():
            errors = {name: [str(message) for message in _flat(value)] for name, value in serializer.errors.items()}
            body = {"regime": None, "lane": None, "permit_required": None, "refused": None, "rules_fired": []}
            return Response(PrecheckAnswerSerializer({**body, "errors": errors}).data)
        data = dict(serializer.validated_data)
        institution = declarant_of(request, data.pop("institution_id", None))
        items = [dict(item) for item in data.pop("items")]
        try:
            values = related_values(data, institution)
        except ValidationError as error:
            body = {"regime": None, "lane": None, "permit_required": None, "refused": None, "rules_fired": []}
            return Response(PrecheckAnswerSerializer({**body, "errors": error.detail}).data)
        answer = services.declaration_precheck(institution=institution, items=items, **values)
        return Response(PrecheckAnswerSerializer(answer).data)


def _flat(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _flat(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _flat(inner)
    else:
        yield value


class MayPassTheGate(CustomsStaffOnly):
    permission = "customs.add_gatepassage"


class GatePassageViewSet(viewsets.ReadOnlyModelViewSet):
    """Gate passages of released goods: the declarant's own, or all for customs officers."""

    serializer_class = GatePassageSerializer
    read_scope = "customs:read"
    write_scope = "customs:write"
    filterset_fields = ["declaration", "partial"]
    ordering_fields = ["id", "passed_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return (
            GatePassage.objects.visible_to(principal_for(self.request))
            .select_related("declaration", "checkpoint", "officer")
            .prefetch_related("items__item")
        )

    @extend_schema(request=GateScanSerializer, responses={201: GatePassageSerializer})
    @action(detail=False, methods=["post"], permission_classes=[HasTokenScope, MayPassTheGate])
    def scan(self, request):
        """Record the crossing of released goods by their release slip: once, at the declaration's
        checkpoint, while the slip is valid (400 with the first passage's time on a second scan)."""
        data = validated(GateScanSerializer, request)
        quantities = {row["item"]: row["quantity"] for row in data.get("quantities") or []}
        passage = services.gate_pass(
            slip_number=data["slip_number"],
            checkpoint=data["checkpoint"],
            actor=request.user,
            vehicle_plate=data.get("vehicle_plate", ""),
            quantities=quantities or None,
        )
        return Response(GatePassageSerializer(self.get_queryset().get(pk=passage.pk)).data, status=201)


class StockFilterSet(django_filters.FilterSet):
    institution = IdFilter(field_name="institution_id", label=gettext_lazy("Institution (id)"))
    hs = django_filters.CharFilter(
        field_name="subheading__code", lookup_expr="startswith", max_length=6, label=gettext_lazy("HS prefix")
    )
    unit = django_filters.ChoiceFilter(choices=Unit.choices)

    class Meta:
        model = StockBalance
        fields = []


class StockBalanceViewSet(viewsets.ReadOnlyModelViewSet):
    """Bonded stock of the caller's institution(s): a balance per HS subheading and unit; each
    balance lists the movements behind it."""

    serializer_class = StockBalanceSerializer
    filterset_class = StockFilterSet
    read_scope = "customs:read"
    ordering_fields = ["id", "subheading", "quantity", "updated_at"]
    ordering = ["institution", "subheading", "unit"]

    def get_queryset(self):
        return StockBalance.objects.visible_to(principal_for(self.request)).select_related("institution", "subheading")

    @extend_schema(responses={200: StockMovementSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def movements(self, request, pk=None):
        """The newest movements of this balance (at most 100), newest first."""
        balance = self.get_object()
        movements = (
            StockMovement.objects.filter(
                institution_id=balance.institution_id, subheading_id=balance.subheading_id, unit=balance.unit
            )
            .select_related("declaration")
            .order_by("-created_at", "-id")[:MOVEMENTS_SHOWN]
        )
        return Response(StockMovementSerializer(movements, many=True).data)


class KeepsTheRiskRules(permissions.BasePermission):
    """Writes to the risk rules and what-ifs: customs officers (not bound to an institution)."""

    message = gettext_lazy("Only customs officers who keep the risk rules can do this.")
    code = "not_allowed"
    verbs = {"POST": "add", "PATCH": "change", "PUT": "change", "DELETE": "delete"}

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        principal = principal_for(request)
        if principal is None or principal.institution_ids is not None:
            return False
        verb = "change" if getattr(view, "action", None) == "what_if" else self.verbs.get(request.method, "change")
        return can_edit_rules(request.user, verb)


class RiskRuleViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The risk rules that decide declarations, in priority order: read by every principal with
    customs:read, changed by customs officers. Every change makes a new version of the rule set."""

    queryset = RiskRule.objects.all()
    serializer_class = RiskRuleSerializer
    permission_classes = [HasTokenScope, KeepsTheRiskRules]
    filterset_fields = ["active", "regime", "lane", "refuse"]
    ordering_fields = ["id", "priority", "updated_at"]
    ordering = ["priority", "id"]
    read_scope = "customs:read"
    write_scope = "customs:write"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    tenant_scoped = False

    def perform_create(self, serializer):
        serializer.instance = services.risk_rule_save(
            instance=RiskRule(**serializer.validated_data), actor=self.request.user
        )

    def perform_update(self, serializer):
        rule = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(rule, name, value)
        serializer.instance = services.risk_rule_save(instance=rule, actor=self.request.user)

    def perform_destroy(self, instance):
        services.risk_rule_delete(instance=instance, actor=self.request.user)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    @extend_schema(
        request=WhatIfSerializer,
        responses={200: WhatIfAnswerSerializer},
        description=gettext_lazy(
            "How an edited rule set would have decided the declarations filed in a period, against how they "
            "were decided: the rules given replace the fields of the rules they name by id (or are new), "
            "`remove` leaves rules out. Nothing is saved."
        ),
    )
    @action(detail=False, methods=["post"], url_path="what-if")
    def what_if(self, request):
        data = validated(WhatIfSerializer, request)
        rules = edited_rules(data.get("rules", []), set(data.get("remove", [])))
        return Response(
            WhatIfAnswerSerializer(services.what_if(rules=rules, start=data["start"], end=data["end"])).data
        )


def edited_rules(changes: list[dict], removed: set[int]) -> list[RiskRule]:
    """The active rule set with `changes` applied, unsaved; every rule checked by its model."""
    rules = {rule.pk: rule for rule in RiskRule.objects.filter(active=True)}
    new = []
    for position, change in enumerate(changes, start=1):
        change = dict(change)
        pk = change.pop("id", None)
        if pk is not None:
            rule = rules.get(pk) or RiskRule.objects.filter(pk=pk).first()
            if rule is None:
                raise ValidationError({f"rules.{position}.id": [_("No risk rule has this id.")]})
        else:
            rule = RiskRule(priority=change.get("priority", 0), name_en=change.get("name_en", ""))
        for name, value in change.items():
            if name in SNAPSHOT_FIELDS:
                setattr(rule, name, value)
        try:
            rule.full_clean()
        except DjangoValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            raise ValidationError({f"rules.{position}.{name}": value for name, value in messages.items()}) from None
        if pk is not None:
            rules[pk] = rule
        else:
            new.append(rule)
    return [rule for pk, rule in rules.items() if pk not in removed and rule.active] + [r for r in new if r.active]
