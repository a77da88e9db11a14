from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZoneConfig(AppConfig):
    name = "zone"
    verbose_name = _("The zone")

    def ready(self):
        from . import frame

        frame.register()
