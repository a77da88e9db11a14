"""Who is asking: a user (browser) or a token (partner system), and what they may see.

Every list, detail, export and page asks `principal.institution_ids` for tenancy:
None means every institution (zone staff); otherwise only those institutions' records.
"""

from dataclasses import dataclass

from django.utils.functional import cached_property

from hetao.models import ApiToken, User
from hetao.tenancy import institution_ids_of


def is_zone_staff(user) -> bool:
    """Zone staff: the staff flag (every staff role sets it) or a superuser. The one definition."""
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


@dataclass
class Principal:
    user: User
    token: ApiToken | None = None

    @property
    def is_staff_member(self) -> bool:
        return is_zone_staff(self.user)

    @cached_property
    def institution_ids(self) -> frozenset[int] | None:
        if self.token is not None and self.token.institution_id is not None:
            return frozenset([self.token.institution_id])
        if self.is_staff_member:
            return None
        return institution_ids_of(self.user)

    def has_scope(self, scope: str) -> bool:
        """Tokens carry scopes; a signed-in browser user is limited by roles instead."""
        return self.token is None or scope in self.token.scopes

    def can_see_institution(self, institution_id: int) -> bool:
        ids = self.institution_ids
        return ids is None or institution_id in ids


def principal_for(request) -> Principal | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    token = getattr(request, "auth", None)
    return Principal(user=user, token=token if isinstance(token, ApiToken) else None)
