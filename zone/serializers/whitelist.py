"""API representations of whitelist applications, documents, comments and entries.

Every text input has a maximum length from `hetao.limits` (the schema shows it as maxLength)
and every date the bounds of `BoundedDateField`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hetao.api.fields import BoundedDateField, IdField
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX, USERNAME_MAX
from hetao.models import User

from ..models import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    WhitelistApplication,
    WhitelistEntry,
    WhitelistScope,
)


def scope_list(**kwargs) -> serializers.ListField:
    """A list of whitelist scopes, each one of the known values (repeats are merged)."""
    kwargs.setdefault("max_length", len(WhitelistScope.choices))
    return serializers.ListField(child=serializers.ChoiceField(choices=WhitelistScope.choices), **kwargs)


def _username(**kwargs) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True, **kwargs)


class ApplicationStepSerializer(serializers.ModelSerializer):
    actor = _username(help_text=_("Username of who took the step."))
    note = serializers.CharField(
        source="display_note", read_only=True, help_text=_("The step's note, in the request's language.")
    )

    class Meta:
        model = ApplicationStep
        fields = ["action", "from_status", "to_status", "actor", "note", "at"]


class WhitelistApplicationSerializer(serializers.ModelSerializer):
    institution = IdField(
        source="institution_id",
        required=False,
        help_text=_(
            "Id of the institution the application is for; may be left out by a token bound to one. "
            "An institution you cannot file for answers 404, like one that does not exist."
        ),
    )
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    requested_scopes = scope_list(required=False)
    research_fields = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    justification = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    reviewer = _username(allow_null=True, help_text=_("Username of the assigned reviewer; null while unassigned."))
    filing_no = serializers.CharField(
        source="entry.filing_no",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The whitelist entry's filing number once approved; null before."),
    )
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

    def validate(self, attrs):
        if self.instance is None and not (
            attrs.get("requested_scopes")
            or attrs.get("research_fields", "").strip()
            or attrs.get("justification", "").strip()
        ):
            # An empty body would create a blank draft nobody asked for.
            raise serializers.ValidationError(
                _("Give at least one of requested_scopes, research_fields or justification."), code="empty_application"
            )
        return attrs


class WhitelistApplicationUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=WhitelistApplication.Kind.choices, required=False)
    requested_scopes = scope_list(required=False)
    research_fields = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    justification = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)


class ApplicationDocumentSerializer(serializers.ModelSerializer):
    uploaded_by = _username(help_text=_("Username of who uploaded the document."))
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
        """The document's download address, a path on this server."""
        return f"/api/v1/whitelist/applications/{document.application_id}/documents/{document.pk}/download/"


class ApplicationCommentSerializer(serializers.ModelSerializer):
    author = _username(help_text=_("Username of the comment's author."))
    body = serializers.CharField(max_length=COMMENT_MAX)
    visibility = serializers.ChoiceField(
        choices=ApplicationComment.Visibility.choices,
        default=ApplicationComment.Visibility.APPLICANT,
        help_text=_("Applicants' comments are always visible to both sides."),
    )

    class Meta:
        model = ApplicationComment
        fields = ["id", "author", "visibility", "body", "created_at"]
        read_only_fields = ["created_at"]


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": USERNAME_MAX})
class ReviewerField(serializers.SlugRelatedField):
    """A whitelist reviewer by username. One answer for every name that is not an active reviewer's,
    whether or not such a user exists: the field does not reveal who has an account."""

    default_error_messages = {
        "does_not_exist": _("No active whitelist reviewer has this username."),
        "invalid": _("No active whitelist reviewer has this username."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=User.objects.none(), **kwargs)

    def get_queryset(self):
        return User.objects.with_perm(
            "zone.review_whitelistapplication", backend="django.contrib.auth.backends.ModelBackend"
        )

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > USERNAME_MAX:
            self.fail("does_not_exist")
        return super().to_internal_value(data)


class AssignSerializer(serializers.Serializer):
    reviewer = ReviewerField(help_text=_("Username of an active whitelist reviewer."))


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=COMMENT_MAX, help_text=_("What the applicant should change."))


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=COMMENT_MAX, help_text=_("Why the application is rejected."))


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX)


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class ApproveSerializer(serializers.Serializer):
    scopes = scope_list(
        required=False,
        help_text=_("Default: the requested scopes."),
    )
    valid_from = BoundedDateField(required=False, help_text=_("Default: today."))
    valid_until = BoundedDateField(required=False, help_text=_("Default: three years from the start."))
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


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
