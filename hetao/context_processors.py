"""Template context shared by every page: the portal's name, languages and the navigation."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from zone.models import Membership


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
    # Each entry: URL name, label, whether this user may use it, and the URL-name prefix of its pages.
    if user.is_staff or user.is_superuser:
        reviews = user.has_perm("zone.review_whitelistapplication")
        entries = [
            ("home", _("Dashboard"), True, "home"),
            ("staff-review-queue", _("Whitelist reviews"), reviews, "staff-review"),
            (
                "staff-registry",
                _("Whitelist registry"),
                reviews or user.has_perm("zone.manage_whitelistentry"),
                "staff-registry",
            ),
            ("staff-audit", _("Audit trail"), user.has_perm("hetao.view_audit"), "staff-audit"),
            ("staff-tokens", _("API tokens"), user.has_perm("hetao.view_apitoken"), "staff-token"),
        ]
    else:
        owns = Membership.objects.filter(user=user, role=Membership.Role.OWNER).exists()
        entries = [
            ("home", _("My institutions"), True, "home"),
            ("whitelist-overview", _("Whitelist filing"), True, "whitelist"),
            ("tokens", _("API tokens"), owns, "token"),
        ]
    items = []
    for name, label, allowed, prefix in entries:
        if not allowed:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append(NavItem(label=label, url=url, active=bool(current and current.startswith(prefix))))
    if user.is_staff:
        items.append(NavItem(label=_("Administration"), url=reverse("admin:index")))
    return {"items": items, "unread_notifications": user.notifications.filter(read_at__isnull=True).count()}


def portal(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "LANGUAGES": settings.LANGUAGES,
        "portal_nav": SimpleLazyObject(lambda: _navigation(request)),
    }
