"""Add the built-in rule for an unknown pregnancy status (version 1), from domain.md §2.2.

Data only. The intake's "Not sure" answer leaves `pregnant` unknown, which fires no rule; this rule
asks for the status to be confirmed before an infusion (a pre-infusion check, domain.md §3.4).
"""

from django.db import migrations

# (rule_id, kind, severity, pathway, condition, message, source) — as in 0002.
BUILTIN_RULES = [
    ("CI-PREGNANCY-UNKNOWN", "relative_contraindication", "moderate", "",
     {"pregnancy_unsure": True},
     "Pregnancy status unknown: confirm (e.g. pregnancy test) before infusion.",
     "§2.2 [Cohen2018], [SpravatoPI]; §3.4 pre-infusion checks"),
]


def seed(apps, schema_editor):
    CandidacyRule = apps.get_model("evaluation", "CandidacyRule")
    for rule_id, kind, severity, pathway, condition, message, source in BUILTIN_RULES:
        CandidacyRule.objects.update_or_create(
            clinic=None,
            rule_id=rule_id,
            version=1,
            defaults={
                "kind": kind,
                "severity": severity,
                "pathway": pathway,
                "condition": condition,
                "message": message,
                "source": source,
                "active": True,
                "is_current": True,
            },
        )


def unseed(apps, schema_editor):
    CandidacyRule = apps.get_model("evaluation", "CandidacyRule")
    CandidacyRule.objects.filter(
        clinic=None, version=1, rule_id__in=[row[0] for row in BUILTIN_RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_seed_builtin_candidacy_rules")]

    operations = [migrations.RunPython(seed, unseed)]
