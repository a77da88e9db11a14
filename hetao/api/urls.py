"""The /api/v1/ router. Each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from customs import api as customs_api
from hetao.api import audit as audit_api
from hetao.api import batches as batches_api
from hetao.api import schema  # noqa: F401 - registers the OpenAPI extension of bearer tokens
from zone.api import data_exports as api_data_exports
from zone.api import people as api_people
from zone.api import reference as zone_api
from zone.api import whitelist as api_whitelist

router = DefaultRouter(trailing_slash=True)
router.register("parks", zone_api.ParkViewSet, basename="park")
router.register("sites", zone_api.SiteViewSet, basename="site")
router.register("institutions", zone_api.InstitutionViewSet, basename="institution")
router.register("audit/events", audit_api.AuditEventViewSet, basename="audit-event")
router.register("batches", batches_api.BatchFilingViewSet, basename="batch")
router.register("whitelist/applications", api_whitelist.WhitelistApplicationViewSet, basename="whitelist-application")
router.register("whitelist/entries", api_whitelist.WhitelistEntryViewSet, basename="whitelist-entry")
router.register("people/persons", api_people.RegisteredPersonViewSet, basename="person")
router.register("people/checks", customs_api.PassageCheckViewSet, basename="passage-check")
router.register("data/export-filings", api_data_exports.DataExportFilingViewSet, basename="data-export-filing")
router.register("data/negative-list", api_data_exports.NegativeListEntryViewSet, basename="negative-list-entry")
router.register("customs/checkpoints", customs_api.CheckpointViewSet, basename="checkpoint")
router.register("customs/declarations", customs_api.DeclarationViewSet, basename="declaration")
router.register("customs/stock", customs_api.StockBalanceViewSet, basename="stock-balance")
router.register("customs/passages", customs_api.GatePassageViewSet, basename="gate-passage")
router.register("customs/risk-rules", customs_api.RiskRuleViewSet, basename="risk-rule")
