"""Registered persons of the partner API: an institution registers its researchers for facilitated
passage and follows the decisions; reviewers approve, reject, suspend and reinstate.

The travel document number is accepted on writes and never answered: `document_number_masked`
shows its last four characters.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError

from hetao.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from hetao.api.schema import ApiErrorSerializer
from hetao.api.transitions import CONFLICT, TransitionMixin, transition_action
from hetao.principal import principal_for

from .. import services
from ..filtersets.people import RegisteredPersonApiFilterSet
from ..models import Institution, RegisteredPerson
from ..serializers.people import (
    PersonApproveSerializer,
    PersonReinstateSerializer,
    PersonRejectSerializer,
    PersonSuspendSerializer,
    RegisteredPersonSerializer,
    RegisteredPersonUpdateSerializer,
)
from ..workflow import PERSON, PERSON_EDIT

_NOT_YOURS = OpenApiResponse(
    ApiErrorSerializer,
    description=(
        "The institution named in the body does not exist or is not one you can see (code not_found): "
        "the two are answered alike."
    ),
)
_PERSON_FIELDS = (
    "name_en",
    "name_zh",
    "document_type",
    "document_number",
    "nationality",
    "position",
    "valid_from",
    "valid_until",
    "designated_carrier",
)


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={201: RegisteredPersonSerializer, 404: _NOT_YOURS}
    )
)
class RegisteredPersonViewSet(
    TransitionMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Registered persons of the caller's institution(s); staff who may view them see all."""

    serializer_class = RegisteredPersonSerializer
    filterset_class = RegisteredPersonApiFilterSet
    ordering_fields = ["id", "name_en", "created_at", "submitted_at", "valid_until"]
    ordering = ["-id"]
    read_scope = "people:read"
    write_scope = "people:write"
    http_method_names = ["get", "post", "patch", "head", "options"]
    transition_machine = PERSON
    transition_id_argument = "person_id"

    def get_queryset(self):
        persons = RegisteredPerson.objects.visible_to(principal_for(self.request)).select_related("institution")
        return services.with_personnel_entry(persons)

    def perform_create(self, serializer):
        principal = principal_for(self.request)
        data = serializer.validated_data
        institution_id = data.get("institution_id")
        ids = principal.institution_ids
        if institution_id is None:
            if ids is None or len(ids) != 1:
                raise ValidationError({"institution": [_("Name the institution the person belongs to.")]})
            institution_id = next(iter(ids))
        # Tenancy: an institution the caller cannot see answers 404 exactly like one that does not exist.
        institution = Institution.objects.visible_to(principal).filter(pk=institution_id).first()
        if institution is None:
            raise Http404
        serializer.instance = services.person_create(
            institution=institution,
            actor=self.request.user,
            **{name: data[name] for name in _PERSON_FIELDS if name in data},
        )

    @extend_schema(request=RegisteredPersonUpdateSerializer, responses={200: RegisteredPersonSerializer, 409: CONFLICT})
    def partial_update(self, request, *args, **kwargs):
        return self.run_transition(request, PERSON_EDIT, services.person_update, RegisteredPersonUpdateSerializer)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    submit = transition_action("submit", services.person_submit, response=RegisteredPersonSerializer)
    approve = transition_action(
        "approve", services.person_approve, request=PersonApproveSerializer, response=RegisteredPersonSerializer
    )
    reject = transition_action(
        "reject", services.person_reject, request=PersonRejectSerializer, response=RegisteredPersonSerializer
    )
    suspend = transition_action(
        "suspend", services.person_suspend, request=PersonSuspendSerializer, response=RegisteredPersonSerializer
    )
    reinstate = transition_action(
        "reinstate", services.person_reinstate, request=PersonReinstateSerializer, response=RegisteredPersonSerializer
    )
