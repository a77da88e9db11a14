"""django-filter filter sets of the zone's lists (API and pages)."""
