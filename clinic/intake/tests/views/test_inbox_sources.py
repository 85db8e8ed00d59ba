"""The front desk and the physician read a request's self-check flags with their sources in words:
the label or guideline, never a file or section (issue 8, point 12)."""

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.intake.tests.conftest import CLEAR_ANSWERS

pytestmark = pytest.mark.django_db

INTERNAL = ("domain.md", "§", "[U]", "[V]", "[S]")


def test_request_detail_names_each_flags_source_in_words(clinic, staff, make_request, client_for):
    # given a request whose self-check raised a contraindication flag and a crisis flag
    request_obj = make_request(
        clinic,
        self_check_answers={**CLEAR_ANSWERS, "heart": "yes", "vascular": "yes", "danger_recent": "yes"},
    )
    # when the front desk opens it
    html = (
        client_for(staff[Role.FRONT_DESK])
        .get(reverse("intake:inbox_detail", args=[request_obj.public_id]))
        .content.decode()
    )
    # then each flag names the label or guideline it follows, and nothing internal shows
    assert "Ketalar label: contraindicated where a rise in blood pressure is a serious hazard" in html
    assert "contraindicated on the Spravato label" in html
    for internal in INTERNAL:
        assert internal not in html


def test_a_flag_stored_before_the_sources_were_reworded_reads_in_words_too(
    clinic, staff, make_request, client_for
):
    # given a request stored with a flag in the old developer wording
    request_obj = make_request(clinic, self_check_answers={**CLEAR_ANSWERS, "vascular": "yes"})
    request_obj.flags = [
        {"code": "aneurysm_avm_bleed", "severity": "absolute",
         "label": "Aneurysmal vascular disease — contraindicated on the esketamine label (domain.md §2.2)."}
    ]  # fmt: skip
    request_obj.save(update_fields=["flags"])
    html = (
        client_for(staff[Role.FRONT_DESK])
        .get(reverse("intake:inbox_detail", args=[request_obj.public_id]))
        .content.decode()
    )
    assert "contraindicated on the esketamine label." in html
    for internal in INTERNAL:
        assert internal not in html
