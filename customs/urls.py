"""Browser pages of customs: the passage check of registered persons at a checkpoint."""

from django.urls import path

from . import views

urlpatterns = [
    path("staff/passage-check/", views.passage_check, name="staff-passage-check"),
]
