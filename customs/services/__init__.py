"""Business operations of customs: checkpoints and passage checks of persons, the risk rule set,
declarations from draft to release, and bonded stock.

Every interface (institution portal, staff portal, admin, API, tasks, commands) calls these
functions. Each is atomic, locks the rows it changes, re-checks the state after locking and
records the step.
"""

from .declarations import (
    NUMBER_SERIES,
    declaration_cancel,
    declaration_create,
    declaration_file,
    declaration_hold,
    declaration_inspect,
    declaration_precheck,
    declaration_reject,
    declaration_release,
    declaration_update,
    facts_of,
    whitelist_scopes_on,
)
from .gates import gate_pass, issue_slip, overdue_releases, remaining, slip_qr_svg
from .gates import overdue_days as gates_overdue_days
from .passages import checkpoint_delete, checkpoint_save, passage_check, passage_counts, reason_text
from .rules import current_rules, current_version, risk_rule_delete, risk_rule_save, selection, what_if
from .stock import StockShortage, stock_effect

__all__ = [
    "NUMBER_SERIES",
    "StockShortage",
    "checkpoint_delete",
    "checkpoint_save",
    "current_rules",
    "current_version",
    "declaration_cancel",
    "declaration_create",
    "declaration_file",
    "declaration_hold",
    "declaration_inspect",
    "declaration_precheck",
    "declaration_reject",
    "declaration_release",
    "declaration_update",
    "facts_of",
    "gate_pass",
    "gates_overdue_days",
    "issue_slip",
    "overdue_releases",
    "passage_check",
    "passage_counts",
    "reason_text",
    "remaining",
    "risk_rule_delete",
    "risk_rule_save",
    "selection",
    "slip_qr_svg",
    "stock_effect",
    "what_if",
    "whitelist_scopes_on",
]
