from django.db import migrations


def sync(apps, schema_editor):
    from hetao.roles import sync_roles

    sync_roles(apps, schema_editor)  # the permissions of later models come with their migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hetao", "0011_roles_people_and_data"),
        ("zone", "0008_default_negative_list"),
        ("customs", "0007_release_slips_and_gate_passages"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
