"""Read-side rules of the zone app: who sees which whitelist records.

One visibility rule per model, used by every list, detail, export and page; anything outside
it answers 404.
"""

from django.db.models import QuerySet

from .models_whitelist import ApplicationComment, WhitelistApplication, WhitelistEntry


def _scoped(queryset: QuerySet, principal, staff_perm: str, field: str = "institution_id") -> QuerySet:
    if principal is None:
        return queryset.none()
    ids = principal.institution_ids
    if ids is None:
        return queryset if principal.user.has_perm(staff_perm) else queryset.none()
    return queryset.filter(**{f"{field}__in": ids})


def applications_visible_to(principal) -> QuerySet:
    return _scoped(
        WhitelistApplication.objects.select_related("institution", "reviewer", "entry", "created_by"),
        principal,
        "zone.view_whitelistapplication",
    )


def entries_visible_to(principal) -> QuerySet:
    return _scoped(WhitelistEntry.objects.select_related("institution"), principal, "zone.view_whitelistentry")


def comments_visible_to(principal, application) -> QuerySet:
    """Applicants never see internal staff comments."""
    comments = application.comments.select_related("author")
    if principal.institution_ids is not None:
        comments = comments.filter(visibility=ApplicationComment.Visibility.APPLICANT)
    return comments


def review_queue_summary(user) -> dict:
    """Applications waiting for a reviewer's decision, how many are the user's, and the oldest's age in days."""
    from django.db.models import Count, Min, Q
    from django.utils import timezone

    from .models_whitelist import ApplicationStatus

    waiting = WhitelistApplication.objects.filter(
        status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW]
    ).aggregate(waiting=Count("pk"), mine=Count("pk", filter=Q(reviewer=user)), oldest=Min("submitted_at"))
    oldest = waiting.pop("oldest")
    waiting["days"] = (timezone.now() - oldest).days if oldest else 0
    return waiting
