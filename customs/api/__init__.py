"""Customs resources of the partner API."""

from .declarations import (
    CheckpointViewSet,
    DeclarationViewSet,
    GatePassageViewSet,
    PrecheckView,
    RiskRuleViewSet,
    StockBalanceViewSet,
)
from .passages import PassageCheckView, PassageCheckViewSet

__all__ = [
    "CheckpointViewSet",
    "DeclarationViewSet",
    "GatePassageViewSet",
    "PassageCheckView",
    "PassageCheckViewSet",
    "PrecheckView",
    "RiskRuleViewSet",
    "StockBalanceViewSet",
]
