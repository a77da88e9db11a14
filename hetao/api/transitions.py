"""Workflow steps of the API: `POST /<resource>/{id}/<action>/`, the same way on every resource.

    class DeclarationViewSet(TransitionMixin, viewsets.GenericViewSet):
        transition_machine = DECLARATION          # a hetao.workflow.StateMachine
        transition_id_argument = "declaration_id" # the services' keyword for the record
        release = transition_action("release", services.declaration_release,
                                    request=ReasonSerializer, response=DeclarationSerializer)

A step answers the fresh record (200), 404 for a record the caller may not see (before anything
else, whatever the body says), 403 when the role does not allow the step (before the body is
read, so a stranger learns nothing from it), 400 for invalid input, and 409 with code
`invalid_transition` when the record's state does not allow it. The service locks the row and
re-checks all of it.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action as drf_action
from rest_framework.response import Response

from hetao.api.schema import ApiErrorSerializer
from hetao.errors import NotAllowed

CONFLICT = OpenApiResponse(
    ApiErrorSerializer, description="The record's state does not allow this action (code invalid_transition)."
)


def validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TransitionMixin:
    transition_machine = None
    transition_id_argument = "id"

    def fresh(self, obj) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data)

    def run_transition(self, request, action: str, service, input_serializer=None) -> Response:
        obj = self.get_object()
        machine = self.transition_machine
        if machine is not None and action in machine.actions:
            allowed, reason = machine.may(action, obj, request.user)
            if not allowed:
                raise NotAllowed(reason)
        arguments = validated(input_serializer, request) if input_serializer else {}
        service(**{self.transition_id_argument: obj.pk}, actor=request.user, **arguments)
        return self.fresh(obj)


def transition_action(name: str, service, *, response, request=None, url_path: str | None = None, description=""):
    """A POST action on the record that runs `service` through `TransitionMixin.run_transition`."""

    def view(self, http_request, pk=None):
        return self.run_transition(http_request, name, service, request)

    view.__name__ = name
    view.__doc__ = description or None
    view = drf_action(detail=True, methods=["post"], url_path=url_path or name.replace("_", "-"))(view)
    return extend_schema(request=request, responses={200: response, 409: CONFLICT})(view)
