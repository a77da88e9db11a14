from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "customs"
    verbose_name = _("Customs")

    def ready(self):
        from hetao import registry

        from .demo import seed_customs
        from .models import Checkpoint

        registry.count_tile(
            model=Checkpoint,
            label=_("Checkpoints"),
            description=_("Customs control points on the sub-lines."),
            order=40,
        )
        registry.demo_step(seed_customs, order=10)
