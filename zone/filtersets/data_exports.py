"""Filters of the data export lists (API and pages), bounded like every input (`hetao.limits`)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from hetao.api.filters import BoundedDateFilter, IdFilter, TextFilter

from ..models import (
    DataCategory,
    DataExportFiling,
    Destination,
    DestinationScope,
    ExportStatus,
    NegativeListEntry,
    Outcome,
)
from ..models.data_exports import REFERENCE_MAX

NUMBER_MAX = 20  # HTDX-YYYY-NNNNNN, as the filing's field


class DataExportFilingFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ExportStatus.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    category = django_filters.ChoiceFilter(
        choices=DataCategory.choices, method="filter_category", label=_("Data category")
    )
    destination = django_filters.ChoiceFilter(choices=Destination.choices)
    submitted_after = BoundedDateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = BoundedDateFilter(field_name="submitted_at", lookup_expr="date__lte")
    decided_after = BoundedDateFilter(field_name="decided_at", lookup_expr="date__gte")
    decided_before = BoundedDateFilter(field_name="decided_at", lookup_expr="date__lte")

    class Meta:
        model = DataExportFiling
        fields = ["institution"]

    def filter_category(self, queryset, name, value):
        return queryset.filter(categories__contains=[value])


class DataExportFilingApiFilterSet(DataExportFilingFilterSet):
    # Another institution's id simply matches nothing, like an unknown one (as in the whitelist's API).
    institution = IdFilter(field_name="institution_id", label=_("Institution (id)"))
    number = TextFilter(max_length=NUMBER_MAX, label=_("Filing number"))
    reference = TextFilter(max_length=REFERENCE_MAX, label=_("Your reference"))


class NegativeListEntryFilterSet(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=DataCategory.choices)
    destinations = django_filters.ChoiceFilter(choices=DestinationScope.choices)
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = NegativeListEntry
        fields = ["category", "destinations", "outcome", "active"]
