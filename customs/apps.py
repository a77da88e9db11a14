from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "customs"
    verbose_name = _("Customs")

    def ready(self):
        from hetao import registry

        from .demo import seed_customs
        from .models import Checkpoint

        registry.count_tile(
            model=Checkpoint,
            label=_("Checkpoints"),
            description=_("Customs control points on the sub-lines."),
            order=40,
        )
        registry.demo_step(seed_customs, order=10)

        # Passage checks of registered persons at the checkpoints.
        from .demo_passage import seed_passage_checks

        registry.nav(
            area=registry.STAFF,
            url_name="staff-passage-check",
            label=_("Passage check"),
            order=40,
            allowed=lambda user: user.has_perm("customs.add_passagecheck"),
            active_prefix="staff-passage",
        )
        registry.work_tile(build=passage_tile, order=40)
        registry.demo_step(seed_passage_checks, order=30)

        # Declarations, the risk rules and bonded stock.
        from . import frame

        frame.register()


def passage_tile(request):
    """The staff dashboard's tile of today's checks per checkpoint (hetao.registry.work_tile)."""
    from django.urls import reverse
    from django.utils.translation import gettext, ngettext

    from hetao import registry

    from .services import passage_counts

    user = request.user
    if not user.has_perm("customs.view_passagecheck"):
        return None
    rows = passage_counts()
    if rows:
        description = " · ".join(
            ngettext(
                "%(code)s: %(total)s check, %(valid)s valid",
                "%(code)s: %(total)s checks, %(valid)s valid",
                row["total"],
            )
            % {"code": row["checkpoint__code"], "total": row["total"], "valid": row["valid"]}
            for row in rows
        )
    else:
        description = gettext("No persons checked at the checkpoints yet today.")
    if user.has_perm("customs.add_passagecheck"):
        url = reverse("staff-passage-check")
    else:
        url = reverse("admin:customs_passagecheck_changelist")
    return registry.Tile(label=gettext("Passage checks today"), description=description, url=url)
