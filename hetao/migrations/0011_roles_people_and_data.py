from django.db import migrations


def sync(apps, schema_editor):
    from hetao.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("hetao", "0010_number_series_and_people_data_scopes"),
        ("zone", "0007_people_and_data_exports"),
        ("customs", "0004_passage_checks"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
