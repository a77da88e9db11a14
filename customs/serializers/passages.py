"""API representations of customs: passage checks of registered persons at checkpoints.

A check is asked with the travel document's number and answered without it: the record keeps
its keyed hash and last four characters only.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zone.models import TravelDocumentType
from zone.validators import DOCUMENT_NUMBER_MAX

from ..models import Checkpoint, PassageCheck
from ..services import reason_text

CHECKPOINT_CODE_MAX = Checkpoint._meta.get_field("code").max_length


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": CHECKPOINT_CODE_MAX})
class CheckpointCodeField(serializers.SlugRelatedField):
    """An active checkpoint by its code (HT-NO1 …); a bounded string in the schema."""

    default_error_messages = {
        "does_not_exist": _("No checkpoint in service has this code."),
        "invalid": _("No checkpoint in service has this code."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Checkpoint.objects.filter(active=True), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > CHECKPOINT_CODE_MAX:
            self.fail("does_not_exist")
        return super().to_internal_value(data)


class PassageCheckInputSerializer(serializers.Serializer):
    checkpoint = CheckpointCodeField(help_text=_("Code of the checkpoint where the person is checked, e.g. HT-NO1."))
    document_type = serializers.ChoiceField(choices=TravelDocumentType.choices)
    document_number = serializers.CharField(
        max_length=DOCUMENT_NUMBER_MAX,
        help_text=_("The travel document number as read or scanned; it is not stored and never answered."),
    )


class PassageInstitutionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("The institution's name in the request's language."))


class PassagePersonSerializer(serializers.Serializer):
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    document_number_masked = serializers.CharField(help_text=_("The document number's last four characters."))
    designated_carrier = serializers.BooleanField()


class PassageCheckAnswerSerializer(serializers.Serializer):
    """What a check answers at the checkpoint."""

    check_id = serializers.IntegerField(source="pk", help_text=_("Id of the recorded check."))
    valid = serializers.SerializerMethodField(help_text=_("Whether the person may pass."))
    result = serializers.ChoiceField(choices=PassageCheck.Result.choices)
    reason_code = serializers.CharField(
        source="reason", help_text=_("Why the person may not pass, as a code (empty when valid or not registered).")
    )
    reason = serializers.SerializerMethodField(help_text=_("Why the person may not pass, in the request's language."))
    institution = serializers.SerializerMethodField(
        help_text=_("The person's institution when the document is registered; null otherwise.")
    )
    person = serializers.SerializerMethodField(help_text=_("The person when valid; null otherwise."))
    may_hand_carry = serializers.BooleanField(
        help_text=_("Valid, a designated carrier, and the checkpoint is a hand-carry channel.")
    )
    checkpoint = serializers.CharField(source="checkpoint.code")
    checked_at = serializers.DateTimeField()

    def get_valid(self, check) -> bool:
        return check.result == PassageCheck.Result.VALID

    def get_reason(self, check) -> str:
        return reason_text(check)

    @extend_schema_field(PassageInstitutionSerializer(allow_null=True))
    def get_institution(self, check):
        if check.person is None:
            return None
        return {"name": check.person.institution.name}

    @extend_schema_field(PassagePersonSerializer(allow_null=True))
    def get_person(self, check):
        if check.result != PassageCheck.Result.VALID or check.person is None:
            return None
        person = check.person
        return {
            "name_en": person.name_en,
            "name_zh": person.name_zh,
            "document_number_masked": person.masked_document,
            "designated_carrier": person.designated_carrier,
        }


class PassageCheckSerializer(serializers.ModelSerializer):
    """A recorded check, as staff read the record."""

    checkpoint = serializers.CharField(source="checkpoint.code", help_text=_("The checkpoint's code."))
    document_number_masked = serializers.SerializerMethodField(
        help_text=_("The checked document number's last four characters.")
    )
    person = serializers.IntegerField(source="person_id", allow_null=True, help_text=_("Id of the registered person."))
    institution_name = serializers.SerializerMethodField()
    reason_code = serializers.CharField(source="reason")
    reason = serializers.SerializerMethodField()
    checked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PassageCheck
        fields = [
            "id",
            "checkpoint",
            "document_type",
            "document_number_masked",
            "person",
            "institution_name",
            "result",
            "reason_code",
            "reason",
            "may_hand_carry",
            "checked_by",
            "checked_at",
        ]
        read_only_fields = fields

    def get_document_number_masked(self, check) -> str:
        return "••••" + check.document_last4

    def get_institution_name(self, check) -> str | None:
        return check.person.institution.name if check.person_id else None

    def get_reason(self, check) -> str:
        return reason_text(check)
