"""API representations of declarations (items nested on create and read), their decision and the
rules that fired, the pre-check, bonded stock with its movements, and the risk rules."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hetao.api.fields import BoundedDateField, BoundedDecimalField, IdField
from hetao.i18n import reason_in
from hetao.limits import COMMENT_MAX, NOTE_MAX, SHORT_TEXT_MAX

from ..choices import Condition, Currency, Direction, ItemCategory, Lane, Regime, TransportMode, Unit
from ..models import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    VALUE_DIGITS,
    VALUE_PLACES,
    Checkpoint,
    Declaration,
    GatePassage,
    Line,
    RiskRule,
    StockBalance,
    StockMovement,
)
from ..services.checks import ITEMS_MAX
from ..services.gates import PLATE_MAX, slip_qr_svg
from .passages import CheckpointCodeField

HS_TYPED_MAX = 20


class CheckpointSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("The name in the request's language."))

    class Meta:
        model = Checkpoint
        fields = ["id", "code", "name", "name_en", "name_zh_hans", "name_zh_hant", "line", "hand_carry", "active"]
        read_only_fields = fields


class DeclarationItemSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True)
    hs_code = serializers.CharField(
        max_length=HS_TYPED_MAX,
        help_text=_(
            "HS code: 6 digits of an HS 2022 subheading, or an 8- or 10-digit national code whose first six "
            "are one. Dots, spaces and full-width digits are accepted."
        ),
    )
    subheading_description = serializers.CharField(source="subheading.description", read_only=True)
    description = serializers.CharField(max_length=SHORT_TEXT_MAX)
    quantity = BoundedDecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    unit = serializers.ChoiceField(choices=Unit.choices)
    value = BoundedDecimalField(max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES)
    currency = serializers.ChoiceField(choices=Currency.choices)
    origin = serializers.CharField(min_length=2, max_length=2, help_text=_("ISO 3166-1 alpha-2 code, e.g. DE."))
    category = serializers.ChoiceField(choices=ItemCategory.choices)
    permit_reference = serializers.CharField(max_length=PERMIT_MAX, required=False, allow_blank=True, default="")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["origin"] = str(instance.origin)
        return data


class FiredRuleSerializer(serializers.Serializer):
    rule = serializers.IntegerField(
        allow_null=True, help_text=_("Id of the risk rule; null for the engine's own steps.")
    )
    kind = serializers.ChoiceField(choices=[("rule", "rule"), ("fallback", "fallback"), ("selection", "selection")])
    reason = serializers.CharField(help_text=_("Why, in the request's language."))
    items = serializers.ListField(child=serializers.IntegerField(), help_text=_("Positions of the items it names."))
    regime = serializers.CharField(allow_blank=True)
    lane = serializers.CharField(allow_blank=True)
    permit_required = serializers.BooleanField()
    refuse = serializers.BooleanField()


def fired_rules(explanation) -> list[dict]:
    return [{**item, "reason": reason_in(item.get("reason"))} for item in explanation or []]


class DeclarationSerializer(serializers.ModelSerializer):
    institution = IdField(
        source="institution_id",
        required=False,
        help_text=_(
            "Id of the declarant institution; may be left out by a token bound to one. An institution you "
            "cannot declare for answers 404, like one that does not exist."
        ),
    )
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False, allow_blank=True)
    line = serializers.ChoiceField(choices=Line.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    receiving_institution = IdField(
        source="receiving_institution_id",
        required=False,
        allow_null=True,
        help_text=_("For a movement inside the park: id of the institution that receives the goods."),
    )
    checkpoint = CheckpointCodeField(help_text=_("Code of the checkpoint, e.g. HT-NO1."))
    planned_date = BoundedDateField()
    transport_mode = serializers.ChoiceField(choices=TransportMode.choices)
    carrier = IdField(
        source="carrier_id",
        required=False,
        allow_null=True,
        help_text=_("For hand-carried goods: id of the registered person (a designated carrier) who carries them."),
    )
    consolidated = serializers.BooleanField(required=False, default=False)
    period_start = BoundedDateField(required=False, allow_null=True)
    period_end = BoundedDateField(required=False, allow_null=True)
    items = DeclarationItemSerializer(many=True, min_length=1, max_length=ITEMS_MAX)
    regime = serializers.ChoiceField(
        choices=Regime.choices, allow_blank=True, read_only=True, help_text=_("Empty until the declaration is filed.")
    )
    lane = serializers.ChoiceField(
        choices=Lane.choices, allow_blank=True, read_only=True, help_text=_("Empty until the declaration is filed.")
    )
    rules_fired = serializers.SerializerMethodField(help_text=_("The rules that decided the declaration at filing."))
    rule_set_version = serializers.IntegerField(source="rule_set_version.number", read_only=True, allow_null=True)
    slip_qr = serializers.SerializerMethodField(
        help_text=_("The release slip's QR code (a data: URI of an SVG image); empty before release.")
    )
    officer = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Declaration
        fields = [
            "id",
            "number",
            "reference",
            "institution",
            "institution_name",
            "line",
            "direction",
            "receiving_institution",
            "checkpoint",
            "planned_date",
            "transport_mode",
            "carrier",
            "consolidated",
            "period_start",
            "period_end",
            "items",
            "status",
            "regime",
            "lane",
            "permit_required",
            "selected",
            "rules_fired",
            "rule_set_version",
            "slip_number",
            "slip_valid_until",
            "slip_qr",
            "officer",
            "findings",
            "decision_note",
            "filed_at",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "regime",
            "lane",
            "permit_required",
            "selected",
            "findings",
            "decision_note",
            "filed_at",
            "decided_at",
            "slip_number",
            "slip_valid_until",
            "created_at",
            "updated_at",
        ]

    def get_slip_qr(self, declaration) -> str:
        return slip_qr_svg(declaration)

    @extend_schema_field(FiredRuleSerializer(many=True))
    def get_rules_fired(self, declaration) -> list[dict]:
        return fired_rules(declaration.explanation)


class DeclarationUpdateSerializer(serializers.Serializer):
    """A draft's changes: the header fields given; `items`, when given, replace the items."""

    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False, allow_blank=True)
    line = serializers.ChoiceField(choices=Line.choices, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    receiving_institution = IdField(required=False, allow_null=True)
    checkpoint = CheckpointCodeField(required=False)
    planned_date = BoundedDateField(required=False)
    transport_mode = serializers.ChoiceField(choices=TransportMode.choices, required=False)
    carrier = IdField(required=False, allow_null=True)
    consolidated = serializers.BooleanField(required=False)
    period_start = BoundedDateField(required=False, allow_null=True)
    period_end = BoundedDateField(required=False, allow_null=True)
    items = DeclarationItemSerializer(many=True, min_length=1, max_length=ITEMS_MAX, required=False)


class PrecheckAnswerSerializer(serializers.Serializer):
    regime = serializers.ChoiceField(choices=Regime.choices, allow_null=True)
    lane = serializers.ChoiceField(choices=Lane.choices, allow_null=True)
    permit_required = serializers.BooleanField(allow_null=True)
    refused = serializers.BooleanField(allow_null=True)
    rules_fired = serializers.ListField(
        child=serializers.DictField(), help_text=_('Each rule that fired: {"rule": id or null, "reason": text}.')
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("What filing would refuse, by field (items.N.field for an item's); empty when nothing."),
    )


class DeclarationFindingsSerializer(serializers.Serializer):
    findings = serializers.CharField(max_length=COMMENT_MAX, required=False, allow_blank=True, default="")


class DeclarationNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class DeclarationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, help_text=_("The declarant reads this reason."))


class DeclarationOptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


# -- gate passages --------------------------------------------------------------------------------


class GatePassageItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item.position", help_text=_("The item's position in the declaration."))
    quantity = BoundedDecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)


class GatePassageSerializer(serializers.ModelSerializer):
    declaration_number = serializers.CharField(source="declaration.number", read_only=True)
    slip_number = serializers.CharField(source="declaration.slip_number", read_only=True)
    checkpoint = serializers.CharField(source="checkpoint.code", read_only=True)
    officer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    items = GatePassageItemSerializer(many=True, read_only=True)

    class Meta:
        model = GatePassage
        fields = [
            "id",
            "declaration",
            "declaration_number",
            "slip_number",
            "checkpoint",
            "vehicle_plate",
            "carrier",
            "partial",
            "items",
            "officer",
            "passed_at",
        ]
        read_only_fields = fields


class GateQuantitySerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=ITEMS_MAX, help_text=_("The item's position."))
    quantity = BoundedDecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)


class GateScanSerializer(serializers.Serializer):
    slip_number = serializers.CharField(max_length=20, help_text=_("The release slip's number, as scanned or typed."))
    checkpoint = CheckpointCodeField(help_text=_("Code of the checkpoint where the goods cross."))
    vehicle_plate = serializers.CharField(max_length=PLATE_MAX, required=False, allow_blank=True, default="")
    quantities = GateQuantitySerializer(
        many=True,
        required=False,
        max_length=ITEMS_MAX,
        help_text=_("For part of a consolidated declaration: what crosses now, by item. Default: all that is left."),
    )


# -- stock ---------------------------------------------------------------------------------------


class StockMovementSerializer(serializers.ModelSerializer):
    declaration_number = serializers.CharField(source="declaration.number", read_only=True)

    class Meta:
        model = StockMovement
        fields = ["id", "kind", "quantity", "balance_after", "declaration", "declaration_number", "item", "created_at"]
        read_only_fields = fields


class StockBalanceSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    subheading_description = serializers.CharField(source="subheading.description", read_only=True)

    class Meta:
        model = StockBalance
        fields = [
            "id",
            "institution",
            "institution_name",
            "subheading",
            "subheading_description",
            "unit",
            "quantity",
            "updated_at",
        ]
        read_only_fields = fields


# -- risk rules ----------------------------------------------------------------------------------


def _choices_list(choices, **kwargs):
    return serializers.ListField(child=serializers.ChoiceField(choices=choices), required=False, **kwargs)


class RiskRuleSerializer(serializers.ModelSerializer):
    lines = _choices_list(Line.choices)
    directions = _choices_list(Direction.choices)
    transport_modes = _choices_list(TransportMode.choices)
    scopes_all = _choices_list(RiskRule._meta.get_field("scopes_all").base_field.choices)
    scopes_missing = _choices_list(RiskRule._meta.get_field("scopes_missing").base_field.choices)
    categories = _choices_list(ItemCategory.choices)
    hs_prefixes = serializers.ListField(child=serializers.CharField(max_length=10), required=False, max_length=100)
    origins = serializers.ListField(child=serializers.CharField(max_length=2), required=False, max_length=300)
    currencies = _choices_list(Currency.choices)
    checkpoint_hand_carry = serializers.ChoiceField(choices=Condition.choices, required=False)
    designated_carrier = serializers.ChoiceField(choices=Condition.choices, required=False)
    permit = serializers.ChoiceField(choices=Condition.choices, required=False)
    regime = serializers.ChoiceField(choices=Regime.choices, required=False, allow_blank=True)
    lane = serializers.ChoiceField(choices=Lane.choices, required=False, allow_blank=True)
    name_en = serializers.CharField(max_length=200, help_text=_("The reason filers and officers read (English)."))
    name_zh_hans = serializers.CharField(max_length=200, required=False, allow_blank=True)
    name_zh_hant = serializers.CharField(max_length=200, required=False, allow_blank=True)
    priority = serializers.IntegerField(min_value=0, max_value=100_000)
    min_value = BoundedDecimalField(
        max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, required=False, allow_null=True
    )
    max_value = BoundedDecimalField(
        max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, required=False, allow_null=True
    )

    class Meta:
        model = RiskRule
        fields = [
            "id",
            "priority",
            "lines",
            "directions",
            "transport_modes",
            "scopes_all",
            "scopes_missing",
            "checkpoint_hand_carry",
            "designated_carrier",
            "categories",
            "categories_excluded",
            "hs_prefixes",
            "origins",
            "currencies",
            "min_value",
            "max_value",
            "permit",
            "regime",
            "lane",
            "permit_required",
            "refuse",
            "active",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]


class WhatIfRuleSerializer(RiskRuleSerializer):
    """A rule of an edited set: with the `id` of a rule it replaces that rule's fields given, without
    one it is a new rule."""

    id = IdField(required=False)
    priority = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    name_en = serializers.CharField(max_length=200, required=False)

    class Meta(RiskRuleSerializer.Meta):
        read_only_fields = ["updated_at"]


class WhatIfSerializer(serializers.Serializer):
    start = BoundedDateField(help_text=_("First day of the declarations filed that are decided again."))
    end = BoundedDateField(help_text=_("Last day of that period."))
    rules = WhatIfRuleSerializer(many=True, required=False, max_length=500)
    remove = serializers.ListField(child=IdField(), required=False, max_length=500)

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": [_("The period must not end before it starts.")]})
        if (data["end"] - data["start"]).days > 366:
            raise serializers.ValidationError({"end": [_("A what-if covers at most a year of declarations.")]})
        return data


class WhatIfAnswerSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    declarations = serializers.IntegerField(help_text=_("Declarations of the period decided again."))
    changed = serializers.IntegerField(help_text=_("How many would change lane, regime or be refused."))
    lane_changes = serializers.IntegerField()
    moves = serializers.DictField(child=serializers.IntegerField(), help_text=_('"green→yellow": how many.'))
    examples = serializers.ListField(child=serializers.DictField(), help_text=_("The first changed declarations."))
