"""Filters of the registered persons lists (API and pages), bounded like every input (`hetao.limits`)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hetao.api.filters import BoundedDateFilter, IdFilter, TextFilter

from ..models import PersonStatus, RegisteredPerson, TravelDocumentType


class RegisteredPersonFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PersonStatus.choices, label=_("Status"))
    document_type = django_filters.ChoiceFilter(choices=TravelDocumentType.choices, label=_("Travel document type"))
    designated_carrier = django_filters.BooleanFilter(label=_("Designated carrier"))
    nationality = TextFilter(max_length=2, method="filter_nationality", label=_("Nationality (ISO 3166 code)"))
    document_last4 = TextFilter(
        max_length=4, method="filter_last4", label=_("Last four characters of the travel document number")
    )
    valid_on = BoundedDateFilter(method="filter_valid_on", label=_("Approved and within validity on"))
    valid_until_before = BoundedDateFilter(field_name="valid_until", lookup_expr="lt", label=_("Validity ends before"))
    submitted_after = BoundedDateFilter(field_name="submitted_at", lookup_expr="date__gte")
    submitted_before = BoundedDateFilter(field_name="submitted_at", lookup_expr="date__lte")
    q = TextFilter(max_length=200, method="filter_q", label=_("Name or position contains"))

    class Meta:
        model = RegisteredPerson
        fields = ["institution"]

    def filter_nationality(self, queryset, name, value):
        return queryset.filter(nationality=value.strip().upper())

    def filter_last4(self, queryset, name, value):
        return queryset.filter(document_last4=value.strip().upper())

    def filter_valid_on(self, queryset, name, value):
        return queryset.filter(status=PersonStatus.APPROVED, valid_from__lte=value, valid_until__gte=value)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name_en__icontains=value) | Q(name_zh__icontains=value) | Q(position__icontains=value))


class RegisteredPersonApiFilterSet(RegisteredPersonFilterSet):
    # Another institution's id matches nothing, exactly like an unknown one.
    institution = IdFilter(field_name="institution_id", label=_("Institution (id)"))
