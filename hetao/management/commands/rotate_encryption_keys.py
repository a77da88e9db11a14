"""`manage.py rotate_encryption_keys`: re-encrypt every encrypted value with the first of PERSONAL_DATA_KEYS."""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from hetao import crypto
from hetao.audit import audit_context
from hetao.fields import EncryptedTextField


class Command(BaseCommand):
    help = _(
        "Re-encrypt every encrypted value with the first key of PERSONAL_DATA_KEYS. Put the new key first, "
        "run this, then remove the old key."
    )

    def handle(self, *args, **options):
        total = 0
        for model in apps.get_models():
            fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
            if not fields:
                continue
            columns = [f.column for f in fields]
            table = model._meta.db_table
            done = 0
            with audit_context(channel="command", command="rotate_encryption_keys"), transaction.atomic():
                from django.db import connection

                quote = connection.ops.quote_name
                with connection.cursor() as cursor:
                    # Raw SQL: the stored tokens, not the decrypted values, are what gets rotated.
                    cursor.execute(
                        f"SELECT {quote(model._meta.pk.column)}, {', '.join(map(quote, columns))} "
                        f"FROM {quote(table)} FOR UPDATE"
                    )
                    rows = cursor.fetchall()
                    for pk, *tokens in rows:
                        rotated = [crypto.rotate(token) if token else token for token in tokens]
                        assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
                        cursor.execute(
                            f"UPDATE {quote(table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s",
                            [*rotated, pk],
                        )
                        done += 1
            self.stdout.write(
                _("%(model)s: %(count)d records re-encrypted.") % {"model": model._meta.label, "count": done}
            )
            total += done
        self.stdout.write(_("%(count)d records re-encrypted with the first key.") % {"count": total})
