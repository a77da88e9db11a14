"""Read-side queries of the zone app that carry logic beyond one model's `visible_to`."""

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import WhitelistApplication


def review_queue_summary(principal) -> dict:
    """The applications waiting for the zone (the review queue's default view): how many, how many
    are the user's, and how long the oldest has waited (days)."""
    waiting = (
        WhitelistApplication.objects.visible_to(principal)
        .waiting_for_review()
        .aggregate(waiting=Count("pk"), mine=Count("pk", filter=Q(reviewer=principal.user)), oldest=Min("submitted_at"))
    )
    oldest = waiting.pop("oldest")
    waiting["days"] = (timezone.now() - oldest).days if oldest else 0
    return waiting
