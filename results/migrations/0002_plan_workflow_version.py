import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PLAN_STATUSES = [
    ("draft", "Draft"),
    ("submitted", "Submitted"),
    ("approved", "Approved"),
    ("returned", "Returned"),
    ("reopened", "Reopened"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprogressreport",
            name="version",
            field=models.PositiveIntegerField(
                default=1, help_text="Incremented by every edit and status change.", verbose_name="version"
            ),
        ),
        migrations.AddField(
            model_name="progressreport",
            name="version",
            field=models.PositiveIntegerField(
                default=1, help_text="Incremented by every edit and status change.", verbose_name="version"
            ),
        ),
        migrations.AddField(
            model_name="historicalworkplan",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="submitted by",
            ),
        ),
        migrations.AddField(
            model_name="workplan",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="submitted by",
            ),
        ),
        migrations.AlterField(
            model_name="historicalworkplan",
            name="status",
            field=models.CharField(choices=PLAN_STATUSES, default="draft", max_length=10, verbose_name="status"),
        ),
        migrations.AlterField(
            model_name="workplan",
            name="status",
            field=models.CharField(choices=PLAN_STATUSES, default="draft", max_length=10, verbose_name="status"),
        ),
    ]
