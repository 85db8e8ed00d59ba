"""Add the built-in precaution for a current medication without a drug class (version 1).

Data only. Interaction rules match drug classes (domain.md §2.3), so a medication whose class was
left blank would be screened by nothing; this rule asks the physician to review it by hand.
"""

from django.db import migrations

# (rule_id, kind, severity, pathway, condition, message, source) — as in 0002.
BUILTIN_RULES = [
    ("PRE-MEDICATION-UNCLASSIFIED", "precaution", "moderate", "",
     {"medication_unclassified": True},
     "A current medication has no drug class, so no interaction rule screens it: review its "
     "interactions with ketamine by hand, or set its class on the chart.",
     "§2.3 [Andrade2017b], [Ketalar]"),
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
    dependencies = [("evaluation", "0003_seed_pregnancy_unknown_rule")]

    operations = [migrations.RunPython(seed, unseed)]
