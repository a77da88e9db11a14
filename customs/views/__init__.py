"""Browser pages of customs: the passage check at a checkpoint (`passages`), the institutions'
declarations and bonded stock (`declarations`, `stock`), and the officers' queue, decisions and
risk rules (`declarations_staff`, `rules_staff`)."""

from .passages import passage_check

__all__ = ["passage_check"]
