"""API representations of registered persons.

The travel document number is write-only: answers carry `document_number_masked` (its last four
characters) and nothing else of it.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from rest_framework import serializers

from hetao.api.fields import BoundedDateField, IdField
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX

from ..models import RegisteredPerson, TravelDocumentType
from ..services.people import NAME_EN_MAX, NAME_ZH_MAX, not_valid_reason_text, passage_status
from ..validators import DOCUMENT_NUMBER_MAX


def _document_number(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        max_length=DOCUMENT_NUMBER_MAX,
        trim_whitespace=True,
        help_text=_(
            "The travel document number (write-only: answers show its last four characters only). Mainland "
            "resident ID: 18 characters with its check character; Hong Kong ID: e.g. A123456(3); Mainland "
            "Travel Permit: H or M and 8 or 10 digits; passport: 5 to 20 letters and digits."
        ),
        **kwargs,
    )


def _nationality(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=[(code, name) for code, name in countries],
        help_text=_("ISO 3166-1 alpha-2 code of the nationality, e.g. CN."),
        **kwargs,
    )


class RegisteredPersonSerializer(serializers.ModelSerializer):
    institution = IdField(
        source="institution_id",
        required=False,
        help_text=_(
            "Id of the person's institution; may be left out by a token bound to one. An institution you "
            "cannot register persons for answers 404, like one that does not exist."
        ),
    )
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    name_en = serializers.CharField(max_length=NAME_EN_MAX, help_text=_("Name as in the travel document."))
    name_zh = serializers.CharField(max_length=NAME_ZH_MAX, required=False, allow_blank=True, default="")
    document_type = serializers.ChoiceField(choices=TravelDocumentType.choices)
    document_number = _document_number()
    document_number_masked = serializers.CharField(
        source="masked_document", read_only=True, help_text=_("The document number's last four characters.")
    )
    nationality = _nationality()
    position = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True, default="")
    valid_from = BoundedDateField()
    valid_until = BoundedDateField()
    designated_carrier = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("May hand-carry instruments, reagents, consumables and samples through the No. 1 Channel."),
    )
    valid_for_passage = serializers.SerializerMethodField(
        help_text=_("Whether the person may pass today: approved, within validity, institution whitelisted.")
    )
    not_valid_reason = serializers.SerializerMethodField(
        help_text=_("Why the person may not pass today, in the request's language; empty when they may.")
    )

    class Meta:
        model = RegisteredPerson
        fields = [
            "id",
            "institution",
            "institution_name",
            "name_en",
            "name_zh",
            "document_type",
            "document_number",
            "document_number_masked",
            "nationality",
            "position",
            "valid_from",
            "valid_until",
            "designated_carrier",
            "status",
            "status_reason",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
            "valid_for_passage",
            "not_valid_reason",
        ]
        read_only_fields = ["status", "status_reason", "submitted_at", "decided_at", "created_at", "updated_at"]

    def _passage(self, person) -> tuple[bool, str]:
        if not hasattr(person, "_passage"):
            person._passage = passage_status(
                person,
                day=timezone.localdate(),
                institution_admits=getattr(person, "institution_admits_personnel", None),
            )
        return person._passage

    def get_valid_for_passage(self, person) -> bool:
        return self._passage(person)[0]

    def get_not_valid_reason(self, person) -> str:
        valid, reason = self._passage(person)
        return "" if valid else not_valid_reason_text(reason)


class RegisteredPersonUpdateSerializer(serializers.Serializer):
    """A draft's fields; a new document type needs its number too."""

    name_en = serializers.CharField(max_length=NAME_EN_MAX, required=False)
    name_zh = serializers.CharField(max_length=NAME_ZH_MAX, required=False, allow_blank=True)
    document_type = serializers.ChoiceField(choices=TravelDocumentType.choices, required=False)
    document_number = _document_number(required=False)
    nationality = _nationality(required=False)
    position = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    valid_from = BoundedDateField(required=False)
    valid_until = BoundedDateField(required=False)
    designated_carrier = serializers.BooleanField(required=False)


class PersonApproveSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=COMMENT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A note the institution reads."),
    )


class PersonRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=COMMENT_MAX, help_text=_("Why the registration is rejected."))


class PersonSuspendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, help_text=_("Why the registration is suspended."))


class PersonReinstateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
