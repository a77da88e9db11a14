from django.db import migrations


def sync(apps, schema_editor):
    from hetao.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("hetao", "0004_notification"), ("zone", "0002_whitelist")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
