"""API representations of data export filings, their pre-check and the negative list.

Every text input has its maximum length from `hetao.limits` and every number and date its bounds;
the services check the rules that span fields (a country only abroad, the period's order). A
filing's explanation is answered in the request's language.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hetao.api.fields import BoundedDateField, IdField
from hetao.i18n import reason_in
from hetao.limits import COMMENT_MAX, LONG_TEXT_MAX, NOTE_MAX, SHORT_TEXT_MAX

from ..models import DataCategory, DataExportFiling, Destination, NegativeListEntry, Outcome
from ..models.data_exports import COUNT_MAX, REFERENCE_MAX


def _categories(**kwargs) -> serializers.ListField:
    kwargs.setdefault("max_length", len(DataCategory.choices))
    return serializers.ListField(child=serializers.ChoiceField(choices=DataCategory.choices), **kwargs)


def _count(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=COUNT_MAX, **kwargs)


def _country(**kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=2,
        allow_blank=True,
        help_text=_(
            "ISO 3166-1 alpha-2 code of the country or region, for a destination abroad only (not CN, HK or MO)."
        ),
        **kwargs,
    )


class ExplanationItemSerializer(serializers.Serializer):
    entry = serializers.IntegerField(
        allow_null=True, help_text=_("Id of the negative-list entry; null for a category no entry covers.")
    )
    category = serializers.ChoiceField(choices=DataCategory.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.CharField(help_text=_("Why, in the request's language."))


def explanation_in_language(explanation) -> list[dict]:
    """A stored explanation with each reason in the active language."""
    return [
        {
            "entry": item.get("entry"),
            "category": item.get("category"),
            "outcome": item.get("outcome"),
            "reason": reason_in(item.get("reason")),
        }
        for item in explanation or []
    ]


class DataExportFilingSerializer(serializers.ModelSerializer):
    institution = IdField(
        source="institution_id",
        required=False,
        help_text=_(
            "Id of the institution that files; may be left out by a token bound to one. An institution you "
            "cannot file for answers 404, like one that does not exist."
        ),
    )
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False, allow_blank=True)
    title = serializers.CharField(max_length=SHORT_TEXT_MAX)
    description = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    categories = _categories(min_length=1)
    record_count = _count(required=False, default=0)
    person_count = _count(required=False, default=0)
    destination = serializers.ChoiceField(choices=Destination.choices)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_blank=True, read_only=True, help_text=_("Empty until the filing is submitted.")
    )
    destination_country = _country(required=False, default="")
    destination_country_name = serializers.SerializerMethodField()
    recipient = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=COMMENT_MAX, required=False, allow_blank=True)
    channel = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    security_measures = serializers.CharField(max_length=COMMENT_MAX, required=False, allow_blank=True)
    period_start = BoundedDateField()
    period_end = BoundedDateField()
    explanation = serializers.SerializerMethodField(
        help_text=_("The negative-list entries that decided the outcome at submission, and why.")
    )
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = DataExportFiling
        fields = [
            "id",
            "number",
            "reference",
            "institution",
            "institution_name",
            "title",
            "description",
            "categories",
            "record_count",
            "person_count",
            "destination",
            "destination_country",
            "destination_country_name",
            "recipient",
            "purpose",
            "channel",
            "security_measures",
            "period_start",
            "period_end",
            "status",
            "outcome",
            "explanation",
            "valid_until",
            "reviewer",
            "decision_reason",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "outcome",
            "valid_until",
            "decision_reason",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
        ]

    def get_destination_country_name(self, filing) -> str:
        """The country's name in the request's language; empty unless the destination is abroad."""
        return str(filing.destination_country.name) if filing.destination_country else ""

    @extend_schema_field(ExplanationItemSerializer(many=True))
    def get_explanation(self, filing):
        return explanation_in_language(filing.explanation)

    def to_representation(self, filing):
        data = super().to_representation(filing)
        data["destination_country"] = str(filing.destination_country or "")
        return data


class DataExportFilingUpdateSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False, allow_blank=True)
    title = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False)
    description = serializers.CharField(max_length=LONG_TEXT_MAX, required=False, allow_blank=True)
    categories = _categories(min_length=1, required=False)
    record_count = _count(required=False)
    person_count = _count(required=False)
    destination = serializers.ChoiceField(choices=Destination.choices, required=False)
    destination_country = _country(required=False)
    recipient = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    purpose = serializers.CharField(max_length=COMMENT_MAX, required=False, allow_blank=True)
    channel = serializers.CharField(max_length=SHORT_TEXT_MAX, required=False, allow_blank=True)
    security_measures = serializers.CharField(max_length=COMMENT_MAX, required=False, allow_blank=True)
    period_start = BoundedDateField(required=False)
    period_end = BoundedDateField(required=False)

    def validate(self, attrs):
        # Changing the destination from abroad to Hong Kong drops the country with it.
        if "destination" in attrs and attrs["destination"] != Destination.ABROAD:
            attrs.setdefault("destination_country", "")
        return attrs


class PrecheckSerializer(serializers.Serializer):
    """What the negative list needs to know of a filing (the other fields of a filing are accepted and
    ignored, so the body of a create can be pre-checked as it is)."""

    institution = IdField(
        required=False,
        help_text=_(
            "Id of the institution that would file, to learn whether its whitelist filing covers data now; "
            "an institution you cannot see answers 404."
        ),
    )
    categories = _categories(min_length=1)
    record_count = _count(required=False, default=0)
    person_count = _count(required=False, default=0)
    destination = serializers.ChoiceField(choices=Destination.choices)
    destination_country = _country(required=False, default="")


class PrecheckResultSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    explanation = ExplanationItemSerializer(many=True)
    whitelisted = serializers.BooleanField(
        allow_null=True,
        help_text=_(
            "Whether the institution's whitelist entry covers cross-border data now (needed to submit); "
            "null when no institution is named."
        ),
    )


class ExportApproveSerializer(serializers.Serializer):
    valid_until = BoundedDateField(required=False, help_text=_("Default: the end of the filed period."))
    note = serializers.CharField(max_length=COMMENT_MAX, required=False, allow_blank=True, default="")


class ExportRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=COMMENT_MAX, help_text=_("Why the filing is rejected."))


class ExportWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class NegativeListEntrySerializer(serializers.ModelSerializer):
    reason = serializers.CharField(source="name", read_only=True, help_text=_("The reason, in the request's language."))
    min_records = _count(required=False, allow_null=True, help_text=_("Empty: any number of records."))
    min_persons = _count(required=False, allow_null=True, help_text=_("Empty: any number of persons."))

    class Meta:
        model = NegativeListEntry
        fields = [
            "id",
            "category",
            "min_records",
            "min_persons",
            "destinations",
            "outcome",
            "active",
            "reason",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "name_en": {"help_text": _("The reason in English (required).")},
            "name_zh_hans": {"help_text": _("The reason in Simplified Chinese.")},
            "name_zh_hant": {"help_text": _("The reason in Traditional Chinese.")},
        }
