"""Each step keeps its case's school beside it (issue 22): one school's open steps are read in due
order from one index, so the DSL's home page does work bounded by what it shows."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_school(apps, schema_editor):
    Step = apps.get_model("referrals", "Step")
    Case = apps.get_model("cases", "Case")
    Step.objects.update(school_id=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("school_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("referrals", "0006_parents_told_how"),
        ("safeguard", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="step",
            name="school",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="safeguard.school",
            ),
        ),
        # Reversing drops the column (the AddField above), so there is nothing to undo here.
        migrations.RunPython(fill_school, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="step",
            name="school",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="safeguard.school",
            ),
        ),
        migrations.AddIndex(
            model_name="step",
            index=models.Index(
                condition=models.Q(("state__in", ("todo", "made", "acknowledged", "outcome_recorded"))),
                fields=["school", "due_date", "case", "position"],
                name="step_school_due_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="step",
            index=models.Index(
                condition=models.Q(("state", "suggested")),
                fields=["school", "case", "position"],
                name="step_school_suggested_idx",
            ),
        ),
    ]
