"""Staff portal pages of the portal core."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render


@permission_required("hetao.view_audit", raise_exception=True)
def audit_events(request):
    return render(request, "staff/audit_events.html", {})
