"""Zone resources of the partner API. Parks and sites are reference data every principal may read."""

from rest_framework import viewsets

from .filtersets import ParkFilterSet, SiteFilterSet
from .models import Park, Site
from .serializers import ParkSerializer, SiteSerializer


class ParkViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Park.objects.all()
    serializer_class = ParkSerializer
    filterset_class = ParkFilterSet
    ordering_fields = ["code", "area_km2"]
    ordering = ["code"]


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Site.objects.select_related("park")
    serializer_class = SiteSerializer
    filterset_class = SiteFilterSet
    ordering_fields = ["code", "floor_area_m2", "id"]
    ordering = ["code"]
