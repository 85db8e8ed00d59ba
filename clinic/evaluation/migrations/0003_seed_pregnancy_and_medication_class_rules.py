"""Add two built-in rules (version 1). Data only.

- CI-PREGNANCY-UNKNOWN (domain.md §2.2): the intake's "Not sure" answer leaves `pregnant` unknown,
  which fires no rule; this one asks for the status to be confirmed before an infusion (§3.4).
- PRE-MEDICATION-UNCLASSIFIED (§2.3): interaction rules match drug classes, so a medication whose
  class was left blank would be screened by nothing; this one asks for a review by hand.
"""

import importlib

from django.db import migrations

# The row format and the seeding are 0002's; migration modules start with a digit, hence importlib.
_builtin = importlib.import_module("clinic.evaluation.migrations.0002_seed_builtin_candidacy_rules")

BUILTIN_RULES = [
    ("CI-PREGNANCY-UNKNOWN", "relative_contraindication", "moderate", "",
     {"pregnancy_unsure": True},
     "Pregnancy status unknown: confirm (e.g. pregnancy test) before infusion.",
     "§2.2 [Cohen2018], [SpravatoPI]; §3.4 pre-infusion checks"),
    ("PRE-MEDICATION-UNCLASSIFIED", "precaution", "moderate", "",
     {"medication_unclassified": True},
     "A current medication has no drug class, so no interaction rule screens it: review its "
     "interactions with ketamine by hand, or set its class on the chart.",
     "§2.3 [Andrade2017b], [Ketalar]"),
]


def seed(apps, schema_editor):
    _builtin.seed_rules(apps, BUILTIN_RULES)


def unseed(apps, schema_editor):
    _builtin.unseed_rules(apps, BUILTIN_RULES)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_seed_builtin_candidacy_rules")]

    operations = [migrations.RunPython(seed, unseed)]
