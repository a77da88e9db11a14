"""The /api/v1/ router. Each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from hetao.api import audit as audit_api
from zone import api as zone_api

router = DefaultRouter(trailing_slash=True)
router.register("parks", zone_api.ParkViewSet, basename="park")
router.register("sites", zone_api.SiteViewSet, basename="site")
router.register("audit/events", audit_api.AuditEventViewSet, basename="audit-event")
