"""The baseline view of the throughput bar, and variants that split a list request's cost.

`bare` is the bar's reference: a plain Django JSON view behind the same middleware. The
others are diagnostics: DRF with the API's authentication, permission and throttle but no
query (`DrfOk`), the same without the throttle or without any of them, and the site list
without the throttle.
"""

from django.http import JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from zone.api.reference import SiteViewSet


def bare(request):
    return JsonResponse({"ok": True})


class DrfOk(APIView):
    def get(self, request):
        return Response({"ok": True})


class DrfOkNoThrottle(APIView):
    throttle_classes = []

    def get(self, request):
        return Response({"ok": True})


class DrfOkNoAuth(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({"ok": True})


class SiteListNoThrottle(SiteViewSet):
    throttle_classes = []
