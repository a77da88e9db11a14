"""Template context shared by every page: the portal's name, languages and the navigation."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from hetao import registry
from hetao.principal import is_zone_staff


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool = False


def _navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    staff = is_zone_staff(user)
    items = []
    for entry in registry.navigation_for(user, registry.STAFF if staff else registry.MEMBER):
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        prefix = entry.active_prefix or entry.url_name
        items.append(NavItem(label=str(entry.label), url=url, active=bool(current and current.startswith(prefix))))
    if user.is_staff:
        items.append(NavItem(label=_("Administration"), url=reverse("admin:index")))
    return {"items": items, "unread_notifications": user.notifications.filter(read_at__isnull=True).count()}


def portal(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "LANGUAGES": settings.LANGUAGES,
        "portal_nav": SimpleLazyObject(lambda: _navigation(request)),
    }
