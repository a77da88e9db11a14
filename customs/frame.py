"""What customs adds to the portal's frame for declarations: navigation entries of the institution
portal and the staff portal, the officers' dashboard tile, and the demo declarations."""

from django.utils.translation import gettext_lazy

from hetao import registry

from .permissions import DECIDE_PERMISSION, VIEW_PERMISSION


def _reads_declarations(user) -> bool:
    return user.has_perm(VIEW_PERMISSION) or user.has_perm(DECIDE_PERMISSION)


def _reads_rules(user) -> bool:
    return user.has_perm("customs.view_riskrule") or user.has_perm("customs.change_riskrule")


def register() -> None:
    from .demo_declarations import seed_declarations
    from .views.declarations_staff import declarations_tile

    registry.nav(
        area=registry.MEMBER,
        url_name="customs-declarations",
        label=gettext_lazy("Declarations"),
        order=40,
        active_prefix="customs-declaration",
    )
    registry.nav(
        area=registry.MEMBER,
        url_name="customs-stock",
        label=gettext_lazy("Stock"),
        order=45,
        active_prefix="customs-stock",
    )
    registry.nav(
        area=registry.STAFF,
        url_name="staff-customs-declarations",
        label=gettext_lazy("Customs declarations"),
        order=42,
        allowed=_reads_declarations,
        active_prefix="staff-customs-declaration",
    )
    registry.nav(
        area=registry.STAFF,
        url_name="staff-customs-rules",
        label=gettext_lazy("Risk rules"),
        order=44,
        allowed=_reads_rules,
        active_prefix="staff-customs-rule",
    )
    registry.nav(
        area=registry.STAFF,
        url_name="staff-customs-stock",
        label=gettext_lazy("Bonded stock"),
        order=46,
        allowed=lambda user: user.has_perm("customs.view_stockbalance"),
        active_prefix="staff-customs-stock",
    )
    registry.nav(
        area=registry.STAFF,
        url_name="staff-customs-gate",
        label=gettext_lazy("Gate passage"),
        order=41,
        allowed=lambda user: user.has_perm("customs.add_gatepassage"),
        active_prefix="staff-customs-gate",
    )
    registry.work_tile(build=declarations_tile, order=42)
    # After the whitelist and the registered persons: the declarations' carriers are among them.
    registry.demo_step(seed_declarations, order=40)
    # Declarations filed in bulk: one row per item, rows with the same ref one declaration.
    from hetao.batches import kinds

    from .batch import DECLARATIONS

    kinds.register(DECLARATIONS)
