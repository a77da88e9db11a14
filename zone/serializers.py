"""API representations of the zone's parks and sites."""

from rest_framework import serializers

from .models import Park, Site


class ParkSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language.")

    class Meta:
        model = Park
        fields = ["id", "code", "name", "name_en", "name_zh_hans", "name_zh_hant", "jurisdiction", "area_km2"]


class SiteSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="Name in the request's language.")
    park = serializers.SlugRelatedField(slug_field="code", read_only=True)

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
