"""API representations of whitelist applications, documents, comments and entries."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hetao.models import User

from .models_whitelist import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    WhitelistApplication,
    WhitelistEntry,
    WhitelistScope,
)


def scope_list(**kwargs) -> serializers.ListField:
    """A list of whitelist scopes, each one of the known values."""
    return serializers.ListField(child=serializers.ChoiceField(choices=WhitelistScope.choices), **kwargs)


class ApplicationStepSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ApplicationStep
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]


class WhitelistApplicationSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    requested_scopes = scope_list(required=False)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    filing_no = serializers.CharField(source="entry.filing_no", read_only=True, allow_null=True, default=None)
    steps = ApplicationStepSerializer(many=True, read_only=True)

    class Meta:
        model = WhitelistApplication
        fields = [
            "id",
            "institution",
            "institution_name",
            "kind",
            "requested_scopes",
            "research_fields",
            "justification",
            "status",
            "reviewer",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
            "decision_reason",
            "filing_no",
            "steps",
        ]
        read_only_fields = [
            "status",
            "reviewer",
            "created_at",
            "updated_at",
            "submitted_at",
            "decided_at",
            "decision_reason",
        ]
        extra_kwargs = {"institution": {"required": False}}


class WhitelistApplicationUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WhitelistApplication.Kind.choices, required=False)
    requested_scopes = scope_list(required=False)
    research_fields = serializers.CharField(max_length=500, required=False, allow_blank=True)
    justification = serializers.CharField(required=False, allow_blank=True)


class ApplicationDocumentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file = serializers.FileField(write_only=True, help_text=_("PDF, PNG or JPEG."))
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationDocument
        fields = [
            "id",
            "kind",
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]

    def get_download_url(self, document) -> str:
        return f"/api/v1/whitelist/applications/{document.application_id}/documents/{document.pk}/download/"


class ApplicationCommentSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    visibility = serializers.ChoiceField(
        choices=ApplicationComment.Visibility.choices,
        default=ApplicationComment.Visibility.APPLICANT,
        help_text=_("Applicants' comments are always visible to both sides."),
    )

    class Meta:
        model = ApplicationComment
        fields = ["id", "author", "visibility", "body", "created_at"]
        read_only_fields = ["created_at"]


class AssignSerializer(serializers.Serializer):
    reviewer = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True))


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveSerializer(serializers.Serializer):
    scopes = scope_list(
        required=False,
        help_text=_("Default: the requested scopes."),
    )
    valid_from = serializers.DateField(required=False, help_text=_("Default: today."))
    valid_until = serializers.DateField(required=False, help_text=_("Default: three years from the start."))
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WhitelistEntrySerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)

    class Meta:
        model = WhitelistEntry
        fields = [
            "id",
            "filing_no",
            "institution",
            "institution_name",
            "scopes",
            "valid_from",
            "valid_until",
            "status",
            "status_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FilingVerificationSerializer(serializers.Serializer):
    filing_no = serializers.CharField()
    found = serializers.BooleanField()
    valid = serializers.BooleanField()
    status = serializers.CharField(required=False)
    scopes = serializers.ListField(child=serializers.CharField(), required=False)
    valid_until = serializers.DateField(required=False)
