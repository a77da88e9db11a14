"""Filters of the whitelist lists (API and pages), bounded like every input (`hetao.limits`)."""

from datetime import timedelta

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hetao.api.filters import BoundedDateFilter, DaysFilter, IdFilter, TextFilter
from hetao.limits import DAYS_MAX, USERNAME_MAX

from ..models import ApplicationStatus, EntryStatus, WhitelistApplication, WhitelistEntry, WhitelistScope

FILING_NO_MAX = 20  # HTWL-YYYY-NNNNNN, as the entry's field


class WhitelistApplicationFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ApplicationStatus.choices)
    kind = django_filters.ChoiceFilter(choices=WhitelistApplication.Kind.choices)
    scope = django_filters.ChoiceFilter(
        choices=WhitelistScope.choices, method="filter_scope", label=_("Requested scope")
    )
    reviewer = TextFilter(field_name="reviewer__username", max_length=USERNAME_MAX, label=_("Reviewer (username)"))
    unassigned = django_filters.BooleanFilter(field_name="reviewer", lookup_expr="isnull", label=_("Unassigned"))
    submitted_after = BoundedDateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = BoundedDateFilter(field_name="submitted_at", lookup_expr="date__lte")
    older_than_days = DaysFilter(method="filter_older_than", label=_("Waiting longer than (days)"))

    class Meta:
        model = WhitelistApplication
        fields = ["institution"]

    def filter_scope(self, queryset, name, value):
        return queryset.filter(requested_scopes__contains=[value])

    def filter_older_than(self, queryset, name, value):
        # The field bounds the value; this stays safe for any number (another form may reuse it).
        days = float(value)
        if not days <= DAYS_MAX:  # also NaN
            return queryset.none()
        return queryset.filter(submitted_at__lt=timezone.now() - timedelta(days=max(days, 0.0)))


class WhitelistEntryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EntryStatus.choices)
    scope = django_filters.ChoiceFilter(choices=WhitelistScope.choices, method="filter_scope", label=_("Scope"))
    valid_on = BoundedDateFilter(method="filter_valid_on", label=_("Valid on"))
    expires_before = BoundedDateFilter(field_name="valid_until", lookup_expr="lt")

    class Meta:
        model = WhitelistEntry
        fields = ["institution", "filing_no"]

    def filter_scope(self, queryset, name, value):
        return queryset.filter(scopes__contains=[value])

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(status=EntryStatus.ACTIVE, valid_from__lte=value, valid_until__gte=value)


# The API's lists filter by institution id without asking whether the institution exists: another
# institution's id simply matches nothing, like an unknown one. (The pages offer a choice of the
# user's own institutions instead.)


class WhitelistApplicationApiFilterSet(WhitelistApplicationFilterSet):
    institution = IdFilter(field_name="institution_id", label=_("Institution (id)"))


class WhitelistEntryApiFilterSet(WhitelistEntryFilterSet):
    institution = IdFilter(field_name="institution_id", label=_("Institution (id)"))
    filing_no = TextFilter(max_length=FILING_NO_MAX, label=_("Filing number"))
