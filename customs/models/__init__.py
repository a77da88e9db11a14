"""Customs: checkpoints on the sub-lines, the HS 2022 nomenclature, passage checks of persons,
the risk rules that decide declarations, declarations, bonded stock and gate passages."""

from .checkpoints import Checkpoint, HsCode, Line, PassageCheck
from .declarations import (
    PERMIT_MAX,
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    REFERENCE_MAX,
    Declaration,
    DeclarationItem,
    DeclarationQuerySet,
    DeclarationStatus,
    GatePassage,
    GatePassageItem,
    StockBalance,
    StockMovement,
)
from .rules import HS_PREFIX_MAX, VALUE_DIGITS, VALUE_PLACES, RiskRule, RuleSetVersion

__all__ = [
    "HS_PREFIX_MAX",
    "PERMIT_MAX",
    "QUANTITY_DIGITS",
    "QUANTITY_PLACES",
    "REFERENCE_MAX",
    "VALUE_DIGITS",
    "VALUE_PLACES",
    "Checkpoint",
    "Declaration",
    "DeclarationItem",
    "DeclarationQuerySet",
    "DeclarationStatus",
    "GatePassage",
    "GatePassageItem",
    "HsCode",
    "Line",
    "PassageCheck",
    "RiskRule",
    "RuleSetVersion",
    "StockBalance",
    "StockMovement",
]
