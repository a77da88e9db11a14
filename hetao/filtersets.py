"""django-filter filter sets of the portal core's pages: the audit trail and API tokens."""

from datetime import datetime, time, timedelta

import django_filters
import pghistory.core
import pghistory.models
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from hetao.models import ApiToken, User

AUDIT_ACTIONS = [
    ("insert", _("Created")),
    ("update", _("Changed")),
    ("delete", _("Deleted")),
]


def audited_model_choices():
    """The tracked models, as (app_label.Model, verbose name), sorted by name in the active language."""
    models = {event_model.pgh_tracked_model for event_model in pghistory.core.event_models()}
    choices = [(model._meta.label, capfirst(model._meta.verbose_name)) for model in models]
    return sorted(choices, key=lambda choice: str(choice[1]).lower())


def _start_of_day(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditEventFilterSet(django_filters.FilterSet):
    model = django_filters.ChoiceFilter(
        field_name="pgh_obj_model", label=_("Record type"), choices=audited_model_choices, empty_label=_("All")
    )
    action = django_filters.ChoiceFilter(
        field_name="pgh_label", label=_("Action"), choices=AUDIT_ACTIONS, empty_label=_("All")
    )
    actor = django_filters.CharFilter(
        method="filter_actor", label=_("Changed by"), help_text=_("Username, or part of it.")
    )
    object_id = django_filters.CharFilter(field_name="pgh_obj_id", label=_("Record id"))
    date_from = django_filters.DateFilter(
        method="filter_date_from", label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to",
        label=_("To (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = pghistory.models.MiddlewareEvents
        fields = []

    def filter_actor(self, queryset, name, value):
        user_ids = list(User.objects.filter(username__icontains=value.strip()).values_list("pk", flat=True)[:500])
        return queryset.filter(user__in=user_ids)

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(pgh_created_at__gte=_start_of_day(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(pgh_created_at__lt=_start_of_day(value + timedelta(days=1)))


TOKEN_STATUSES = [
    ("active", _("Active")),
    ("expired", _("Expired")),
    ("revoked", _("Revoked")),
]


class ApiTokenFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or prefix"))
    status = django_filters.ChoiceFilter(
        method="filter_status", label=_("Status"), choices=TOKEN_STATUSES, empty_label=_("All")
    )

    class Meta:
        model = ApiToken
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(key_prefix__istartswith=value))

    def filter_status(self, queryset, name, value):
        now = timezone.now()
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        return queryset.usable()
