from django.db import migrations


def load(apps, schema_editor):
    from customs.hs import load_nomenclature

    load_nomenclature(apps.get_model("customs", "HsCode"))


class Migration(migrations.Migration):
    dependencies = [("customs", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
