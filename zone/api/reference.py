"""Zone resources of the partner API.

Parks and sites are reference data every principal may read; institutions are tenant records:
a principal bound to institutions sees only those, and any other answers 404.
"""

from rest_framework import viewsets

from hetao.api.filters import FilterBackend, OrderingFilter
from hetao.api.permissions import HasTokenScope
from hetao.principal import principal_for

from ..filtersets.reference import InstitutionFilterSet, ParkFilterSet, SiteFilterSet
from ..models import Institution, Park, Site
from ..serializers.reference import InstitutionSerializer, ParkSerializer, SiteSerializer


class ParkViewSet(viewsets.ReadOnlyModelViewSet):
    """The zone's two parks."""

    queryset = Park.objects.all()
    serializer_class = ParkSerializer
    permission_classes = [HasTokenScope]
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = ParkFilterSet
    ordering_fields = ["code", "area_km2", "id"]
    ordering = ["code"]


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    """Buildings, industrial parks and facilities of the parks."""

    queryset = Site.objects.select_related("park")
    serializer_class = SiteSerializer
    permission_classes = [HasTokenScope]
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = SiteFilterSet
    ordering_fields = ["code", "floor_area_m2", "id"]
    ordering = ["code"]


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Registered institutions; tokens need the whitelist:read scope."""

    queryset = Institution.objects.all()
    serializer_class = InstitutionSerializer
    permission_classes = [HasTokenScope]
    read_scope = "whitelist:read"
    filter_backends = [FilterBackend, OrderingFilter]
    filterset_class = InstitutionFilterSet
    ordering_fields = ["name_en", "registration_no", "created_at", "id"]
    ordering = ["name_en"]

    def get_queryset(self):
        return Institution.objects.visible_to(principal_for(self.request))
