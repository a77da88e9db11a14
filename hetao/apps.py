from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HetaoConfig(AppConfig):
    name = "hetao"
    verbose_name = _("Portal core")

    def ready(self):
        from django.db.models.signals import post_migrate

        from hetao import frame
        from hetao.audit import install_chain_after_migrate

        frame.register()
        # Event tables that later migrations add join the audit chain (see hetao.audit).
        post_migrate.connect(install_chain_after_migrate, sender=self, dispatch_uid="hetao.audit.install_chain")
