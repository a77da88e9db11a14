"""django-filter filter sets of the zone's API lists and pages."""

import django_filters

from .models import Park, Site


class ParkFilterSet(django_filters.FilterSet):
    class Meta:
        model = Park
        fields = {"code": ["exact", "in"], "jurisdiction": ["exact"]}


class SiteFilterSet(django_filters.FilterSet):
    park = django_filters.CharFilter(field_name="park__code", label="Park code")
    floor_area_min = django_filters.NumberFilter(field_name="floor_area_m2", lookup_expr="gte")
    floor_area_max = django_filters.NumberFilter(field_name="floor_area_m2", lookup_expr="lte")
    q = django_filters.CharFilter(method="filter_q", label="Name contains")

    class Meta:
        model = Site
        fields = {"kind": ["exact"], "code": ["exact"]}

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(name_en__icontains=value) | Q(name_zh_hans__icontains=value) | Q(name_zh_hant__icontains=value)
        )
