import pytest
from django.core.management import call_command

from clinic.evaluation.models import CandidacyRule


@pytest.mark.django_db(transaction=True)
def test_built_in_rules_come_back_after_a_flush():
    # given the table emptied as a truncating test teardown does
    call_command("flush", interactive=False, verbosity=0)
    # then post_migrate re-seeded the built-in rules
    assert CandidacyRule.objects.filter(clinic__isnull=True, rule_id="IND-TRD").exists()
    assert CandidacyRule.objects.filter(clinic__isnull=True, rule_id="CI-PREGNANCY-UNKNOWN").exists()
