import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("safeguard", "0007_audit_keyed_chains"),
    ]

    operations = [
        migrations.CreateModel(
            name="RefusalBurst",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("action", models.CharField(max_length=64)),
                ("reason", models.CharField(blank=True, max_length=30)),
                ("started_at", models.DateTimeField()),
                ("last_at", models.DateTimeField()),
                ("more", models.PositiveIntegerField(default=0)),
                ("asked_for", models.JSONField(default=list)),
                ("first_event_id", models.BigIntegerField()),
                ("closed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "actor",
                    models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL),
                ),
                (
                    "school",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="safeguard.school",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["actor", "action", "reason", "closed_at"], name="safeguard_r_actor_i_03d5e4_idx"),
                    models.Index(fields=["closed_at", "last_at"], name="safeguard_r_closed__ff6b06_idx"),
                ],
            },
        ),
    ]
