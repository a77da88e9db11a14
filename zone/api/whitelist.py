"""Whitelist resources of the partner API: applications (with documents, comments and transitions),
entries, and the public verification of a filing number."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hetao.api.idempotency import IDEMPOTENCY_KEY_PARAMETER, IdempotentCreateMixin
from hetao.api.parsers import FormParser, JSONParser, MultiPartParser
from hetao.api.schema import ApiErrorSerializer
from hetao.api.transitions import CONFLICT, TransitionMixin, transition_action, validated
from hetao.principal import principal_for

from .. import services
from ..filtersets.whitelist import WhitelistApplicationApiFilterSet, WhitelistEntryApiFilterSet
from ..models import ApplicationComment, Institution, WhitelistApplication, WhitelistEntry
from ..serializers.whitelist import (
    ApplicationCommentSerializer,
    ApplicationDocumentSerializer,
    ApproveSerializer,
    AssignSerializer,
    FilingVerificationSerializer,
    MessageSerializer,
    OptionalReasonSerializer,
    ReasonSerializer,
    RejectSerializer,
    WhitelistApplicationSerializer,
    WhitelistApplicationUpdateSerializer,
    WhitelistEntrySerializer,
)
from ..workflow import APPLICATION, EDIT, ENTRY

_NOT_YOURS = OpenApiResponse(
    ApiErrorSerializer,
    description=(
        "The institution named in the body does not exist or is not one you can see (code not_found): "
        "the two are answered alike."
    ),
)


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={201: WhitelistApplicationSerializer, 404: _NOT_YOURS}
    )
)
class WhitelistApplicationViewSet(
    TransitionMixin,
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Whitelist applications of the caller's institution(s); reviewers see all of them."""

    serializer_class = WhitelistApplicationSerializer
    filterset_class = WhitelistApplicationApiFilterSet
    ordering_fields = ["id", "created_at", "submitted_at", "updated_at"]
    ordering = ["-id"]
    read_scope = "whitelist:read"
    write_scope = "whitelist:write"
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "patch", "head", "options"]
    idempotent_actions = ("create", "documents")
    transition_machine = APPLICATION
    transition_id_argument = "application_id"

    def get_queryset(self):
        return (
            WhitelistApplication.objects.visible_to(principal_for(self.request))
            .select_related("institution", "reviewer", "entry", "created_by")
            .prefetch_related("steps__actor")
        )

    def perform_create(self, serializer):
        principal = principal_for(self.request)
        institution_id = serializer.validated_data.get("institution_id")
        ids = principal.institution_ids
        if institution_id is None:
            if ids is None or len(ids) != 1:
                raise ValidationError({"institution": [_("Name the institution the application is for.")]})
            institution_id = next(iter(ids))
        # Tenancy: an institution the caller cannot see answers 404 exactly like one that does not exist.
        institution = Institution.objects.visible_to(principal).filter(pk=institution_id).first()
        if institution is None:
            raise Http404
        data = serializer.validated_data
        serializer.instance = services.application_create(
            institution=institution,
            actor=self.request.user,
            kind=data.get("kind", "new"),
            requested_scopes=data.get("requested_scopes", []),
            research_fields=data.get("research_fields", ""),
            justification=data.get("justification", ""),
        )

    @extend_schema(
        request=WhitelistApplicationUpdateSerializer, responses={200: WhitelistApplicationSerializer, 409: CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        return self.run_transition(request, EDIT, services.application_update, WhitelistApplicationUpdateSerializer)

    def update(self, request, *args, **kwargs):
        if not kwargs.get("partial"):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().update(request, *args, **kwargs)

    submit = transition_action("submit", services.application_submit, response=WhitelistApplicationSerializer)
    withdraw = transition_action(
        "withdraw",
        services.application_withdraw,
        request=OptionalReasonSerializer,
        response=WhitelistApplicationSerializer,
    )
    assign = transition_action(
        "assign", services.application_assign, request=AssignSerializer, response=WhitelistApplicationSerializer
    )
    request_changes = transition_action(
        "request_changes",
        services.application_request_changes,
        request=MessageSerializer,
        response=WhitelistApplicationSerializer,
    )
    approve = transition_action(
        "approve", services.application_approve, request=ApproveSerializer, response=WhitelistApplicationSerializer
    )
    reject = transition_action(
        "reject", services.application_reject, request=RejectSerializer, response=WhitelistApplicationSerializer
    )

    # Documents and comments are answered whole, without the applications list's filters.
    @extend_schema(methods=["get"], responses=ApplicationDocumentSerializer(many=True), filters=False)
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": ApplicationDocumentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: ApplicationDocumentSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, serializer_class=ApplicationDocumentSerializer)
    def documents(self, request, pk=None):
        application = self.get_object()
        if request.method == "GET":
            documents = application.documents.select_related("uploaded_by")
            return Response(ApplicationDocumentSerializer(documents, many=True).data)

        def upload():
            data = validated(ApplicationDocumentSerializer, request)
            document = services.document_add(
                application_id=application.pk, actor=request.user, kind=data["kind"], uploaded=data["file"]
            )
            return Response(ApplicationDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

        return self.idempotent(request, upload)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="The document.")})
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]+)/download")
    def download(self, request, pk=None, document_id=None):
        application = self.get_object()
        document = get_object_or_404(application.documents, pk=document_id)
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )

    @extend_schema(methods=["get"], responses=ApplicationCommentSerializer(many=True), filters=False)
    @extend_schema(
        methods=["post"], request=ApplicationCommentSerializer, responses={201: ApplicationCommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, serializer_class=ApplicationCommentSerializer)
    def comments(self, request, pk=None):
        application = self.get_object()
        principal = principal_for(request)
        if request.method == "GET":
            comments = ApplicationComment.objects.visible_to(principal).filter(application=application)
            comments = comments.select_related("author")
            return Response(ApplicationCommentSerializer(comments, many=True).data)
        data = validated(ApplicationCommentSerializer, request)
        comment = services.comment_add(
            application_id=application.pk, actor=request.user, body=data["body"], visibility=data["visibility"]
        )
        return Response(ApplicationCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class WhitelistEntryViewSet(TransitionMixin, viewsets.ReadOnlyModelViewSet):
    """The whitelist registry: an institution sees its own entry; staff see all and change status."""

    serializer_class = WhitelistEntrySerializer
    filterset_class = WhitelistEntryApiFilterSet
    ordering_fields = ["id", "filing_no", "valid_until"]
    ordering = ["-id"]
    read_scope = "whitelist:read"
    write_scope = "whitelist:write"
    transition_machine = ENTRY
    transition_id_argument = "entry_id"

    def get_queryset(self):
        return WhitelistEntry.objects.visible_to(principal_for(self.request)).select_related("institution")

    suspend = transition_action(
        "suspend", services.entry_suspend, request=ReasonSerializer, response=WhitelistEntrySerializer
    )
    reinstate = transition_action(
        "reinstate", services.entry_reinstate, request=OptionalReasonSerializer, response=WhitelistEntrySerializer
    )
    revoke = transition_action(
        "revoke", services.entry_revoke, request=ReasonSerializer, response=WhitelistEntrySerializer
    )


class FilingVerificationView(APIView):
    """Public: whether a filing number is valid now, for which scopes and until when — nothing else."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=FilingVerificationSerializer, auth=[])
    def get(self, request, filing_no: str):
        result = services.verify_filing(filing_no)
        return Response(FilingVerificationSerializer(result).data)
