import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_import_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrecord",
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="confirmed by",
            ),
        ),
        migrations.CreateModel(
            name="StatusChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.PositiveBigIntegerField()),
                ("from_status", models.CharField(max_length=20, verbose_name="from")),
                ("to_status", models.CharField(max_length=20, verbose_name="to")),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="at")),
                ("reason", models.TextField(blank=True, verbose_name="reason")),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contenttypes.contenttype"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty for a change made by the system (a background job, the reconciliation).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="status_changes",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="by",
                    ),
                ),
            ],
            options={
                "verbose_name": "status change",
                "verbose_name_plural": "status changes",
                "ordering": ["at", "pk"],
                "indexes": [
                    models.Index(fields=["content_type", "object_id", "at"], name="status_change_object_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("from_status", models.F("to_status")), _negated=True),
                        name="status_change_changes",
                    )
                ],
            },
        ),
    ]
