"""What each app adds to the portal's frame: navigation entries, dashboard tiles, demo data.

An app registers its own in `AppConfig.ready()`, so a new app edits no file of the core:

    from hetao import registry
    registry.nav(area=registry.STAFF, url_name="staff-declarations", label=_("Declarations"),
                 order=30, allowed=lambda user: user.has_perm("customs.view_declaration"))
    registry.count_tile(model=Declaration, label=_("Declarations"), description=_("…"), order=40)
    registry.work_tile(build=declarations_tile, order=20)   # build(request) -> Tile | None

Entries appear in `order`, then in registration order. `allowed(user)` decides per person.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

STAFF = "staff"  # zone staff (`hetao.principal.is_zone_staff`)
MEMBER = "member"  # members of institutions


def _always(user) -> bool:
    return True


@dataclass(frozen=True)
class NavEntry:
    area: str
    url_name: str
    label: str
    order: int = 100
    allowed: Callable = _always
    # The URL names of the entry's pages start with this (the entry shows as the current one there).
    active_prefix: str = ""


@dataclass(frozen=True)
class Tile:
    """One tile of the staff dashboard: a count of records, or a piece of work with its link."""

    label: str
    description: str
    url: str | None = None
    count: int | None = None


@dataclass(frozen=True)
class TileSpec:
    kind: str  # "count": the zone at a glance; "work": the person's work
    order: int
    build: Callable  # build(request) -> Tile | None


@dataclass
class _Registry:
    navigation: list[NavEntry] = field(default_factory=list)
    tiles: list[TileSpec] = field(default_factory=list)
    demo_steps: list[tuple[int, Callable]] = field(default_factory=list)


_registry = _Registry()


def nav(*, area: str, url_name: str, label, order: int = 100, allowed: Callable = _always, active_prefix: str = ""):
    """Add a navigation entry for staff (STAFF) or institution members (MEMBER); registering the same
    URL name twice keeps the first (AppConfig.ready() may run more than once in tests)."""
    if any(entry.url_name == url_name and entry.area == area for entry in _registry.navigation):
        return
    _registry.navigation.append(
        NavEntry(area=area, url_name=url_name, label=label, order=order, allowed=allowed, active_prefix=active_prefix)
    )


def _admin_changelist(model) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    except NoReverseMatch:
        return None


def count_tile(*, model, label, description, order: int = 100) -> None:
    """A "the zone at a glance" tile counting a model's records, for staff who may view them."""
    opts = model._meta

    def build(request):
        user = request.user
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            return None
        url = _admin_changelist(model) if user.is_staff else None
        return Tile(label=label, description=description, url=url, count=model._default_manager.count())

    build.key = ("count", opts.label)
    _add_tile(TileSpec(kind="count", order=order, build=build))


def work_tile(*, build: Callable, order: int = 100) -> None:
    """A "your work" tile: `build(request)` answers a Tile, or None when it is not for this person."""
    _add_tile(TileSpec(kind="work", order=order, build=build))


def _add_tile(spec: TileSpec) -> None:
    key = getattr(spec.build, "key", None) or (spec.build.__module__, spec.build.__qualname__)
    for existing in _registry.tiles:
        if (getattr(existing.build, "key", None) or (existing.build.__module__, existing.build.__qualname__)) == key:
            return
    _registry.tiles.append(spec)


def navigation_for(user, area: str) -> list[NavEntry]:
    entries = [entry for entry in _registry.navigation if entry.area == area and entry.allowed(user)]
    return sorted(entries, key=lambda entry: entry.order)


def tiles_for(request, kind: str) -> list[Tile]:
    specs = sorted((spec for spec in _registry.tiles if spec.kind == kind), key=lambda spec: spec.order)
    return [tile for tile in (spec.build(request) for spec in specs) if tile is not None]


def demo_step(step: Callable, *, order: int = 100) -> None:
    """A part of `manage.py seed_demo` an app adds: `step(context)` creates or refreshes its demo
    records, through its services, and reports with `context.count(label, created, changed)`; the
    context carries what earlier steps made (e.g. `context.parks`)."""
    if all(existing is not step for _order, existing in _registry.demo_steps):
        _registry.demo_steps.append((order, step))


def demo_steps() -> list[Callable]:
    return [step for _order, step in sorted(_registry.demo_steps, key=lambda pair: pair[0])]
