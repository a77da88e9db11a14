"""django-filter filter sets of the zone's API lists and pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hetao.api.filters import TextFilter

from .. import validators
from ..models import Institution, Park, Site


class ParkFilterSet(django_filters.FilterSet):
    class Meta:
        model = Park
        fields = {"code": ["exact", "in"], "jurisdiction": ["exact"]}


class SiteFilterSet(django_filters.FilterSet):
    # On the foreign key itself: a constant park_id gives the planner a true row estimate.
    park = django_filters.ModelChoiceFilter(
        field_name="park", to_field_name="code", queryset=Park.objects.all(), label=_("Park code")
    )
    floor_area_min = django_filters.NumberFilter(field_name="floor_area_m2", lookup_expr="gte")
    floor_area_max = django_filters.NumberFilter(field_name="floor_area_m2", lookup_expr="lte")
    q = TextFilter(method="filter_q", label=_("Name contains"))

    class Meta:
        model = Site
        fields = {"kind": ["exact"], "code": ["exact"]}

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name_en__icontains=value) | Q(name_zh_hans__icontains=value) | Q(name_zh_hant__icontains=value)
        )


class InstitutionFilterSet(django_filters.FilterSet):
    registration_no = TextFilter(
        method="filter_registration_no", label=_("Registration number (spaces and case ignored)")
    )
    q = TextFilter(method="filter_q", label=_("Name or registration number contains"))

    class Meta:
        model = Institution
        fields = {"kind": ["exact"], "jurisdiction": ["exact"], "registration_type": ["exact"]}

    def filter_registration_no(self, queryset, name, value):
        return queryset.filter(registration_no=validators.normalise_registration_no(value))

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name_en__icontains=value)
            | Q(name_zh_hans__icontains=value)
            | Q(name_zh_hant__icontains=value)
            | Q(registration_no__icontains=validators.normalise_registration_no(value))
        )
