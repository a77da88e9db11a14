"""The portal core's own navigation entries and dashboard tiles (apps add theirs the same way)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetao import registry
from hetao.tenancy import institutions_owned_by


def _audit_tile(request):
    if not request.user.has_perm("hetao.view_audit"):
        return None
    return registry.Tile(
        label=_("Audit trail"),
        description=_("Every change to business records, with who made it and when."),
        url=reverse("staff-audit"),
    )


def _tokens_tile(request):
    if not request.user.has_perm("hetao.view_apitoken"):
        return None
    return registry.Tile(
        label=_("API tokens"),
        description=_("Bearer tokens of partner systems: create, review and revoke."),
        url=reverse("staff-tokens"),
    )


def register() -> None:
    registry.nav(area=registry.STAFF, url_name="home", label=gettext_lazy("Dashboard"), order=0, active_prefix="home")
    registry.nav(
        area=registry.STAFF,
        url_name="staff-audit",
        label=gettext_lazy("Audit trail"),
        order=900,
        allowed=lambda user: user.has_perm("hetao.view_audit"),
        active_prefix="staff-audit",
    )
    registry.nav(
        area=registry.STAFF,
        url_name="staff-tokens",
        label=gettext_lazy("API tokens"),
        order=910,
        allowed=lambda user: user.has_perm("hetao.view_apitoken"),
        active_prefix="staff-token",
    )
    registry.nav(
        area=registry.MEMBER, url_name="home", label=gettext_lazy("My institutions"), order=0, active_prefix="home"
    )
    registry.nav(
        area=registry.MEMBER, url_name="batches", label=gettext_lazy("Batch filings"), order=80, active_prefix="batch"
    )
    registry.nav(
        area=registry.STAFF,
        url_name="batches",
        label=gettext_lazy("Batch filings"),
        order=800,
        allowed=lambda user: user.has_perm("hetao.view_batchfiling"),
        active_prefix="batch",
    )
    registry.nav(
        area=registry.MEMBER,
        url_name="tokens",
        label=gettext_lazy("API tokens"),
        order=900,
        allowed=lambda user: institutions_owned_by(user).exists(),
        active_prefix="token",
    )
    registry.work_tile(build=_audit_tile, order=900)
    registry.work_tile(build=_tokens_tile, order=910)
