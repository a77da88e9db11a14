"""Portal-wide pages: home and the health check."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hetao.health import check_all


@login_required
def home(request):
    return render(request, "home.html")


@never_cache
@require_GET
def healthz(request):
    """Status of the database, Redis and the Celery workers; 503 when one is down."""
    status = check_all()
    healthy = all(part["ok"] for part in status.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", **status}, status=200 if healthy else 503)
