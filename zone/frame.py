"""What the zone app adds to the portal's frame: navigation entries and dashboard tiles."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hetao import registry
from hetao.principal import principal_for

from .models import Institution, Park, Site
from .permissions import is_reviewer, is_whitelist_manager
from .selectors import review_queue_summary


def _review_tile(request):
    if not is_reviewer(request.user):
        return None
    summary = review_queue_summary(principal_for(request))
    return registry.Tile(
        label=_("Whitelist review queue"),
        description=_("%(waiting)s waiting (%(mine)s assigned to you); the oldest has waited %(days)s days.") % summary,
        url=reverse("staff-review-queue"),
    )


def register() -> None:
    registry.nav(
        area=registry.STAFF,
        url_name="staff-review-queue",
        label=gettext_lazy("Whitelist reviews"),
        order=10,
        allowed=is_reviewer,
        active_prefix="staff-review",
    )
    registry.nav(
        area=registry.STAFF,
        url_name="staff-registry",
        label=gettext_lazy("Whitelist registry"),
        order=20,
        allowed=lambda user: is_reviewer(user) or is_whitelist_manager(user),
        active_prefix="staff-registry",
    )
    registry.nav(
        area=registry.MEMBER,
        url_name="whitelist-overview",
        label=gettext_lazy("Whitelist filing"),
        order=10,
        active_prefix="whitelist",
    )
    registry.count_tile(
        model=Park,
        label=gettext_lazy("Parks"),
        description=gettext_lazy("The Shenzhen park and the Hong Kong park."),
        order=10,
    )
    registry.count_tile(
        model=Site,
        label=gettext_lazy("Sites"),
        description=gettext_lazy("Buildings, industrial parks and facilities."),
        order=20,
    )
    registry.count_tile(
        model=Institution,
        label=gettext_lazy("Institutions"),
        description=gettext_lazy("Research institutions and enterprises."),
        order=30,
    )
    registry.work_tile(build=_review_tile, order=10)
    # Registered persons (the whitelist's personnel scope).
    from .demo_people import seed_people
    from .models import RegisteredPerson
    from .views.people_staff import review_tile as people_review_tile

    registry.nav(
        area=registry.STAFF,
        url_name="staff-people-queue",
        label=gettext_lazy("Registered persons"),
        order=25,
        allowed=lambda user: user.has_perm("zone.view_registeredperson"),
        active_prefix="staff-people",
    )
    registry.nav(
        area=registry.MEMBER,
        url_name="people-list",
        label=gettext_lazy("Registered persons"),
        order=20,
        active_prefix="people",
    )
    registry.count_tile(
        model=RegisteredPerson,
        label=gettext_lazy("Registered persons"),
        description=gettext_lazy("Researchers of whitelisted institutions registered for facilitated passage."),
        order=35,
    )
    registry.work_tile(build=people_review_tile, order=15)
    registry.demo_step(seed_people, order=20)
    # Research-data export filings and the negative list (the whitelist's data scope).
    from .demo_data_exports import seed_data_exports
    from .permissions import EXPORT_VIEW_PERMISSION, is_export_assessor
    from .views.data_exports_staff import assessment_tile

    registry.nav(
        area=registry.STAFF,
        url_name="staff-data-exports",
        label=gettext_lazy("Data exports"),
        order=27,
        allowed=lambda user: user.has_perm(EXPORT_VIEW_PERMISSION) or is_export_assessor(user),
        active_prefix="staff-data-export",
    )
    registry.nav(
        area=registry.MEMBER,
        url_name="data-exports",
        label=gettext_lazy("Data exports"),
        order=30,
        active_prefix="data-export",
    )
    registry.work_tile(build=assessment_tile, order=17)
    registry.demo_step(seed_data_exports, order=30)
