"""Batch filings in the partner API: file a CSV or XLSX (`POST /batches/`, multipart), follow its
status and progress, read its error report (CSV or XLSX) and download each kind's template.

Who files for which institution is `services.batch_institution`, as on the pages: an institution's
owners and filers (and a token bound to it) file for it; zone staff who may file batches, and their
unbound tokens, file for the institution they name, or for the declarants each row names.
"""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from hetao.api.fields import IdField
from hetao.api.parsers import FormParser, JSONParser, MultiPartParser
from hetao.api.schema import ApiErrorSerializer
from hetao.api.transitions import validated
from hetao.batches import services
from hetao.batches.engine import progress_of
from hetao.batches.kinds import kind_of
from hetao.exports import EXPORT_FORMATS, export_response
from hetao.models import BatchFiling, BatchMode
from hetao.principal import principal_for


class DownloadNegotiation(DefaultContentNegotiation):
    """For downloads whose `?format=` names the file's format (csv, xlsx), not a renderer's."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=list(EXPORT_FORMATS), description="csv (default) or xlsx", required=False
)


class BatchFilingSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField(help_text=gettext_lazy("0 to 100."))
    error_count = serializers.SerializerMethodField()

    class Meta:
        model = BatchFiling
        fields = [
            "id",
            "kind",
            "mode",
            "status",
            "progress",
            "institution",
            "original_name",
            "format",
            "encoding",
            "size",
            "total_rows",
            "processed_rows",
            "ok_rows",
            "failed_rows",
            "error_count",
            "message",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, batch) -> int:
        return progress_of(batch)

    def get_error_count(self, batch) -> int:
        return len(batch.errors or [])


class BatchUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(
        max_length=40, help_text=gettext_lazy("The kind of records, e.g. customs_declarations.")
    )
    mode = serializers.ChoiceField(choices=BatchMode.choices, required=False, default=BatchMode.ALL_OR_NOTHING)
    file = serializers.FileField(required=False, help_text=gettext_lazy("The CSV or XLSX file."))
    encoding = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
    institution = IdField(
        required=False,
        help_text=gettext_lazy("The institution filed for; left out by an institution's own uploads."),
    )


class BatchFilingViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Batch filings of the caller's institution(s); zone staff see all."""

    serializer_class = BatchFilingSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    read_scope = "batches:write"
    write_scope = "batches:write"
    filterset_fields = ["kind", "status", "mode"]
    ordering_fields = ["id", "created_at", "finished_at"]
    ordering = ["-id"]

    def get_queryset(self):
        return BatchFiling.objects.visible_to(principal_for(self.request)).select_related("institution")

    @extend_schema(
        request={"multipart/form-data": BatchUploadSerializer},
        responses={
            201: BatchFilingSerializer,
            200: BatchFilingSerializer,
            403: OpenApiResponse(
                ApiErrorSerializer,
                description="The caller files no batches, or not for the institution named (code not_allowed).",
            ),
            404: OpenApiResponse(
                ApiErrorSerializer,
                description="The institution named does not exist or is not one you can see (code not_found).",
            ),
        },
        description=gettext_lazy(
            "File a batch: it is queued for a worker (201). The same file of the same kind filed again for the "
            "same institution answers the batch it made (200), unless that one imported nothing."
        ),
    )
    def create(self, request, *args, **kwargs):
        data = validated(BatchUploadSerializer, request)
        # Who files for which institution is decided before anything else is read (404 for one unseen).
        institution = services.batch_institution(
            principal=principal_for(request), institution_id=data.get("institution")
        )
        if kind_of(data["kind"]) is None:
            raise ValidationError({"kind": [_("Unknown kind of batch: %(kind)s.") % {"kind": data["kind"]}]})
        if data.get("file") is None:
            raise ValidationError({"file": [_("Attach the CSV or XLSX file.")]})
        batch, created = services.batch_submit(
            kind=data["kind"],
            uploaded=data["file"],
            actor=request.user,
            institution=institution,
            mode=data["mode"],
            encoding=data.get("encoding", ""),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(BatchFilingSerializer(batch).data, status=code)

    @extend_schema(
        parameters=[FORMAT_PARAMETER],
        responses={(200, "text/csv"): OpenApiResponse(description="The error report: line, column, value, message.")},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filter_backends=[],
        content_negotiation_class=DownloadNegotiation,
    )
    def errors(self, request, pk=None):
        """The batch's error report, in the uploader's language (CSV, or XLSX with ?format=xlsx)."""
        batch = self.get_object()
        fmt = request.query_params.get("format", "csv")
        if fmt not in EXPORT_FORMATS:
            raise ValidationError({"format": [_("Choose csv or xlsx.")]})
        rows = (
            [row.get("line"), row.get("column"), row.get("value"), row.get("message")] for row in batch.errors or []
        )
        header = [str(label) for label in ERROR_REPORT_HEADER]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return export_response(fmt, filename=f"batch-{batch.pk}-errors-{stamp}", header=header, rows=rows)


# The error report's columns ("Line" is the file's line here, not a customs line: hence the context).
ERROR_REPORT_HEADER = (
    pgettext_lazy("batch error report", "Line"),
    pgettext_lazy("batch error report", "Column"),
    pgettext_lazy("batch error report", "Value"),
    pgettext_lazy("batch error report", "Message"),
)


class BatchTemplateView(APIView):
    """The template of a kind of batch: its header row, an example row, then a guide to each column
    in the caller's language (CSV, or XLSX with ?format=xlsx)."""

    write_scope = read_scope = "batches:write"
    content_negotiation_class = DownloadNegotiation

    @extend_schema(
        operation_id="batches_template",
        parameters=[FORMAT_PARAMETER],
        responses={(200, "text/csv"): OpenApiResponse(description="Header row, example row and column guide.")},
    )
    def get(self, request, kind):
        found = kind_of(kind)
        if found is None:
            raise Http404
        fmt = request.query_params.get("format", "csv")
        if fmt not in EXPORT_FORMATS:
            raise ValidationError({"format": [_("Choose csv or xlsx.")]})
        header, example, guide = found.template()
        rows = [example, [], [_("Column"), _("Required"), _("Type"), _("Meaning")], *guide]
        return export_response(fmt, filename=f"template-{kind}", header=header, rows=rows, title=str(found.label))
