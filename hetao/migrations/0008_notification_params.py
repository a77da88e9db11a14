"""Notifications store their kind and parameters and are rendered in the reader's language.

The text of notifications written before keeps being shown, verbatim, from their parameters."""

from django.db import migrations, models


def text_to_params(apps, schema_editor):
    Notification = apps.get_model("hetao", "Notification")
    for notification in Notification.objects.only("pk", "subject", "body").iterator(chunk_size=2000):
        Notification.objects.filter(pk=notification.pk).update(
            params={"_subject": notification.subject, "_body": notification.body}
        )


def params_to_text(apps, schema_editor):
    Notification = apps.get_model("hetao", "Notification")
    for notification in Notification.objects.only("pk", "params").iterator(chunk_size=2000):
        params = notification.params or {}
        Notification.objects.filter(pk=notification.pk).update(
            subject=str(params.get("_subject", notification.kind))[:200], body=str(params.get("_body", ""))
        )


class Migration(migrations.Migration):
    dependencies = [("hetao", "0007_audit_without_secret_hashes")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="parameters"),
        ),
        migrations.RunPython(text_to_params, params_to_text),
        migrations.RemoveField(model_name="notification", name="body"),
        migrations.RemoveField(model_name="notification", name="subject"),
    ]
