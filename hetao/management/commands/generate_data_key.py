"""`manage.py generate_data_key`: a new Fernet key for PERSONAL_DATA_KEYS."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from hetao import crypto


class Command(BaseCommand):
    help = _("Print a new key for PERSONAL_DATA_KEYS (put it first, then run rotate_encryption_keys).")

    def handle(self, *args, **options):
        self.stdout.write(crypto.generate_key())
