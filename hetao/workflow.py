"""State machines as data: which action leads from which states to which, and who may take it.

An app declares its workflow once and every interface uses it: services call `machine.take()`
inside their transaction (on the locked row) to check the role and the state and learn the
target; pages and the API ask `machine.available_actions(obj, user)` what to offer. An action
the state does not allow raises `InvalidTransition` (HTTP 409, code `invalid_transition`, a
translated message); one the role does not allow raises `NotAllowed` (HTTP 403).

    REVIEW = StateMachine(
        noun=_("a declaration"),
        states=Declaration.Status,
        transitions=[
            Transition("file", {S.DRAFT}, S.FILED, label=_("file"), allowed=can_file),
            Transition("release", {S.FILED, S.UNDER_INSPECTION}, S.RELEASED, label=_("release"), allowed=is_officer),
        ],
    )
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from hetao.errors import InvalidTransition, NotAllowed

# allowed(user, obj) -> (True, "") or (False, the reason shown to the user)
RoleCheck = Callable[[object, object], tuple[bool, str]]


@dataclass(frozen=True)
class Transition:
    """`action` from any of `sources` to `target` (a state, a function of the object, or None to keep it)."""

    action: str
    sources: frozenset[str]
    target: str | Callable[[object], str] | None
    label: str = ""
    allowed: RoleCheck | None = None
    # Shown in `available_actions` (False for an action that is not a step of its own, like editing).
    offered: bool = True

    def __init__(self, action, sources: Iterable[str], target, *, label="", allowed=None, offered=True):
        object.__setattr__(self, "action", action)
        object.__setattr__(self, "sources", frozenset(sources))
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "label", label or action)
        object.__setattr__(self, "allowed", allowed)
        object.__setattr__(self, "offered", offered)


@dataclass
class StateMachine:
    """The transitions of one kind of record, whose state is in `field_name`."""

    noun: str
    states: type[models.TextChoices]
    transitions: list[Transition]
    field_name: str = "status"
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        self._by_action = {}
        for transition in self.transitions:
            if transition.action in self._by_action:
                raise ValueError(f"{transition.action!r} is declared twice")
            unknown = transition.sources - set(self.states.values)
            if unknown or (isinstance(transition.target, str) and transition.target not in self.states.values):
                raise ValueError(f"{transition.action!r} names unknown states")
            self._by_action[transition.action] = transition

    def __getitem__(self, action: str) -> Transition:
        return self._by_action[action]

    @property
    def actions(self) -> list[str]:
        return list(self._by_action)

    def state_of(self, obj) -> str:
        return getattr(obj, self.field_name)

    def allows(self, action: str, state: str) -> bool:
        """Whether the state allows the action (whoever takes it)."""
        return state in self[action].sources

    def may(self, action: str, obj, user) -> tuple[bool, str]:
        """Whether `user`'s role allows the action on `obj` (whatever its state)."""
        check = self[action].allowed
        return (True, "") if check is None else check(user, obj)

    def target(self, action: str, obj) -> str:
        """The state the action leads `obj` to, or InvalidTransition when its state does not allow it."""
        transition = self[action]
        state = self.state_of(obj)
        if state not in transition.sources:
            raise InvalidTransition(
                _("You cannot %(action)s %(noun)s that is %(state)s.")
                % {"action": transition.label, "noun": self.noun, "state": self.states(state).label.lower()},
                code="invalid_transition",
            )
        if transition.target is None:
            return state
        return transition.target(obj) if callable(transition.target) else transition.target

    def take(self, action: str, obj, user) -> str:
        """Check the role, then the state; return the target state. Call it on the locked row."""
        allowed, reason = self.may(action, obj, user)
        if not allowed:
            raise NotAllowed(reason or _("Your role does not allow this."))
        return self.target(action, obj)

    def available_actions(self, obj, user) -> list[str]:
        """The actions `user` may take on `obj` now, in declaration order: what a page or the API offers."""
        state = self.state_of(obj)
        return [
            transition.action
            for transition in self.transitions
            if transition.offered and state in transition.sources and self.may(transition.action, obj, user)[0]
        ]
