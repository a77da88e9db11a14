"""API representations of the zone's parks, sites and institutions."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from hetao.api.fields import OptionalEmailField, OptionalURLField

from ..models import Institution, Park, Site


class ParkSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("Name in the request's language."))

    class Meta:
        model = Park
        fields = ["id", "code", "name", "name_en", "name_zh_hans", "name_zh_hant", "jurisdiction", "area_km2"]


class SiteSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("Name in the request's language."))
    park = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("The park's code."))

    class Meta:
        model = Site
        fields = [
            "id",
            "code",
            "park",
            "kind",
            "name",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "floor_area_m2",
            "address",
        ]


class InstitutionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("Name in the request's language."))
    # Either may be left empty on the record: the schema says "an address, or the empty string".
    email = OptionalEmailField(read_only=True, help_text=_("Contact e-mail, or an empty string."))
    website = OptionalURLField(read_only=True, help_text=_("Website, or an empty string."))

    class Meta:
        model = Institution
        fields = [
            "id",
            "kind",
            "jurisdiction",
            "registration_type",
            "registration_no",
            "name",
            "name_en",
            "name_zh_hans",
            "name_zh_hant",
            "email",
            "phone",
            "address",
            "website",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
