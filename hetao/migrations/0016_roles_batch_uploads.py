from django.db import migrations


def sync(apps, schema_editor):
    from hetao.roles import sync_roles

    missing = sync_roles(apps, schema_editor)
    if missing:
        raise RuntimeError(f"role permissions without a model: {missing}")


class Migration(migrations.Migration):
    dependencies = [
        ("hetao", "0015_batch_worker_and_timings"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
