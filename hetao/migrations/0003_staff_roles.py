from django.db import migrations


def sync(apps, schema_editor):
    from hetao.roles import sync_roles

    sync_roles(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("hetao", "0002_initial"),
        ("zone", "0001_initial"),
        ("customs", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
