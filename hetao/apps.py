from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HetaoConfig(AppConfig):
    name = "hetao"
    verbose_name = _("Portal core")
