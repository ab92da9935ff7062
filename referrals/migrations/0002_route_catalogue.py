"""The reporting routes R1–R8 and P1, as data."""

from django.db import migrations

from referrals.catalogue import ROUTES, load_routes


def load(apps, schema_editor):
    load_routes(apps.get_model("referrals", "Route"))


def unload(apps, schema_editor):
    apps.get_model("referrals", "Route").objects.filter(code__in=[r["code"] for r in ROUTES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
