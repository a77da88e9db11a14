"""Institutions (the tenants) and their members, as the portal core sees them.

The core never imports an app: settings name the two models (PORTAL_INSTITUTION_MODEL,
PORTAL_MEMBERSHIP_MODEL, like AUTH_USER_MODEL), and this module reads them through the app
registry. What the core relies on is small and stated here:

- the institution model has `name` (in the active language), `registration_no`, and a manager
  method `get_by_registration_no(value)` that raises DoesNotExist / MultipleObjectsReturned;
- the membership model links `user` and `institution` with a `role`, whose `Role` choices include
  OWNER, FILER and VIEWER.
"""

from django.apps import apps
from django.conf import settings


def institution_model():
    return apps.get_model(settings.PORTAL_INSTITUTION_MODEL)


def membership_model():
    return apps.get_model(settings.PORTAL_MEMBERSHIP_MODEL)


def roles():
    """The membership roles (owner, filer, viewer) as TextChoices."""
    return membership_model().Role


def institution_ids_of(user) -> frozenset[int]:
    """The institutions `user` is a member of, in any role."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(membership_model().objects.filter(user_id=user.pk).values_list("institution_id", flat=True))


def role_of(user, institution_id: int) -> str | None:
    """The user's role in the institution, or None when not a member."""
    if user is None or not user.is_authenticated or institution_id is None:
        return None
    return (
        membership_model()
        .objects.filter(user_id=user.pk, institution_id=institution_id)
        .values_list("role", flat=True)
        .first()
    )


def is_member(user, institution_id: int) -> bool:
    return role_of(user, institution_id) is not None


def institutions_owned_by(user):
    """The institutions in which `user` is an owner (a queryset, by name)."""
    return (
        institution_model()
        .objects.filter(memberships__user_id=user.pk, memberships__role=roles().OWNER)
        .order_by("name_en")
    )


def memberships_of(user):
    """The user's memberships with their institutions, by institution name."""
    return (
        membership_model()
        .objects.filter(user_id=user.pk)
        .select_related("institution")
        .order_by("institution__name_en")
    )
