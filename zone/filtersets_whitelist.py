"""Filters of the whitelist lists (API and staff pages)."""

from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models_whitelist import ApplicationStatus, EntryStatus, WhitelistApplication, WhitelistEntry, WhitelistScope


class WhitelistApplicationFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ApplicationStatus.choices)
    kind = django_filters.ChoiceFilter(choices=WhitelistApplication.Kind.choices)
    scope = django_filters.ChoiceFilter(
        choices=WhitelistScope.choices, method="filter_scope", label=_("Requested scope")
    )
    reviewer = django_filters.CharFilter(field_name="reviewer__username", label=_("Reviewer (username)"))
    unassigned = django_filters.BooleanFilter(field_name="reviewer", lookup_expr="isnull", label=_("Unassigned"))
    submitted_after = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte")
    older_than_days = django_filters.NumberFilter(method="filter_older_than", label=_("Waiting longer than (days)"))

    class Meta:
        model = WhitelistApplication
        fields = ["institution"]

    def filter_scope(self, queryset, name, value):
        return queryset.filter(requested_scopes__contains=[value])

    def filter_older_than(self, queryset, name, value):
        return queryset.filter(submitted_at__lt=timezone.now() - timedelta(days=float(value)))


class WhitelistEntryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    scope = django_filters.ChoiceFilter(choices=WhitelistScope.choices, method="filter_scope", label=_("Scope"))
    valid_on = django_filters.DateFilter(method="filter_valid_on", label=_("Valid on"))
    expires_before = django_filters.DateFilter(field_name="valid_until", lookup_expr="lt")

    class Meta:
        model = WhitelistEntry
        fields = ["institution", "filing_no"]

    def filter_scope(self, queryset, name, value):
        return queryset.filter(scopes__contains=[value])

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(status=EntryStatus.ACTIVE, valid_from__lte=value, valid_until__gte=value)
