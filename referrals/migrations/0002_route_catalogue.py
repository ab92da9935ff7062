"""The reporting routes R1–R8 and P1, as data.

The data is frozen here, as it was when this migration was written: a migration must build the
same database whatever the code is today, so a later change to ``referrals.catalogue`` cannot break
a fresh ``migrate``. (Later changes to the catalogue arrive in migrations of their own.)
"""

from django.db import migrations

ROUTES = [
    {
        "code": "R7",
        "name": "The police",
        "when_it_fits": "Any police-referral criterion is met, or the DSL judges it right. The police decide the "
        "response case by case.",
        "what_is_recorded": "Date, how it was made, the officer, the crime reference, the outcome.",
        "guidance": "Call 999 if a child is in immediate danger. Otherwise call 101 or use your force's online "
        "form, and ask for a crime reference number.",
        "contact_label": "Your local police force (101, online form, safer schools officer)",
        "default_due_working_days": 1,
    },
    {
        "code": "R1",
        "name": "Report to the app or service",
        "when_it_fits": "The content is on a platform and breaks its rules (harassment, sexual or violent content).",
        "what_is_recorded": "The platform, the date reported, its report reference, its response.",
        "guidance": "Use the platform's own reporting tool; Report Harmful Content explains how to report on each "
        "major service. Never download, screenshot or forward nude imagery of a child to make the "
        "report.",
        "contact_label": "",
        "default_due_working_days": 1,
    },
    {
        "code": "R2",
        "name": "Report Harmful Content (UK Safer Internet Centre)",
        "when_it_fits": "A report to the platform is unresolved. For people aged 13 and over. Covers online abuse, "
        "bullying or harassment, threats, impersonation, unwanted sexual advances (not "
        "image-based), violent content, self-harm or suicide content, and pornographic content.",
        "what_is_recorded": "The date, the reference, the outcome.",
        "guidance": "Report at reportharmfulcontent.com. The service now asks for the platform's reply to the "
        "first report (at launch it asked for a 48-hour wait after reporting to the platform).",
        "contact_label": "",
        "default_due_working_days": 2,
    },
    {
        "code": "R3",
        "name": "Childline and IWF Report Remove",
        "when_it_fits": "A nude image of the child (under 18) has been shared, or is at risk of being shared, online.",
        "what_is_recorded": "The date, who helped the child, the outcome.",
        "guidance": "The young person makes the report themselves at childline.org.uk/remove, with support; they "
        "need a Childline account, and their age is checked from 13. Staff never view or handle the "
        "image.",
        "contact_label": "",
        "default_due_working_days": 1,
    },
    {
        "code": "R4",
        "name": "Internet Watch Foundation (IWF)",
        "when_it_fits": "Child sexual abuse imagery online. A web address is enough, and reports may be anonymous.",
        "what_is_recorded": "The date and the reference.",
        "guidance": "Report at report.iwf.org.uk with the web address. Never download, copy or send the imagery.",
        "contact_label": "",
        "default_due_working_days": 1,
    },
    {
        "code": "R5",
        "name": "CEOP (National Crime Agency)",
        "when_it_fits": "An adult is making inappropriate contact with a child online (grooming, sexual abuse).",
        "what_is_recorded": "The date and the reference.",
        "guidance": "Report at ceop.police.uk/safety-centre; reports are not anonymous. Call 999 if a child is in "
        "immediate danger.",
        "contact_label": "",
        "default_due_working_days": 1,
    },
    {
        "code": "R8",
        "name": "Children's social care (MASH), or the LADO for a member of staff",
        "when_it_fits": "A child is at risk of significant harm, or already known to children's social care. The "
        "Local Authority Designated Officer (LADO) when a member of staff is involved.",
        "what_is_recorded": "The date, the reference, the outcome.",
        "guidance": "Contact your local authority's Multi-Agency Safeguarding Hub (MASH); for an allegation about "
        "a member of staff, contact the LADO the same day.",
        "contact_label": "Your MASH and LADO contact details",
        "default_due_working_days": 1,
    },
    {
        "code": "R6",
        "name": "The school's own support: Head of Year, pastoral team, DSL",
        "when_it_fits": "Always: support for the child, a risk assessment, and actions for any pupil who caused harm.",
        "what_is_recorded": "The actions, who owns them, and when they are due.",
        "guidance": "Assign actions to the pastoral team below; each person sees and completes their own.",
        "contact_label": "",
        "default_due_working_days": 2,
    },
    {
        "code": "P1",
        "name": "Parents or carers informed",
        "when_it_fits": "Always, unless informing them would put the child at risk (then record why not).",
        "what_is_recorded": "Who was told, when, by whom, and their response.",
        "guidance": "Let the child know you are doing this, find out if they are worried about anything, and "
        "involve them where appropriate. Record who was told and how they responded.",
        "contact_label": "",
        "default_due_working_days": 1,
    },
]


def load(apps, schema_editor):
    Route = apps.get_model("referrals", "Route")
    for position, spec in enumerate(ROUTES):
        Route.objects.update_or_create(code=spec["code"], defaults={**spec, "position": position})


def unload(apps, schema_editor):
    apps.get_model("referrals", "Route").objects.filter(code__in=[r["code"] for r in ROUTES]).delete()


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
