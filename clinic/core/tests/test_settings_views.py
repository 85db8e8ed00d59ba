"""The settings pages: who sees which control, proposing, co-signing, rejecting, withdrawing."""

import pytest
from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.core.models import ClinicSetting, SettingChangeProposal, SettingChangeStatus
from clinic.core.selectors import clinic_setting_value
from clinic.core.services import PROPOSAL_OWN, clinic_setting_propose
from clinic.core.signatures import WRONG_PASSWORD
from conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

SETTINGS = "/settings/"


def row_html(response, key: str) -> str:
    html = response.content.decode()
    start = html.index(f'id="setting-{key}"')
    return html[start : html.index("</tr>", start)]


def pending_change(clinic, director, key="spo2_min", value="94"):
    return clinic_setting_propose(
        clinic=clinic, key=key, raw_value=value, proposed_by=director, reason="Earlier warning"
    )


def test_the_administrator_changes_operational_settings_and_sees_no_control_on_clinical_limits(
    clinic, staff, client_for
):
    client = client_for(staff[Role.ADMIN])
    response = client.get(SETTINGS)
    assert response.status_code == 200
    assert "Change" in row_html(response, "consultation_length_minutes")
    spo2 = row_html(response, "spo2_min")
    assert "Clinical limit" in spo2
    assert "<a" not in spo2 and "<button" not in spo2
    # a typed address is refused too
    assert client.get("/settings/spo2_min/").status_code == 403
    assert client.post("/settings/spo2_min/", {"value": "80", "reason": "test low"}).status_code == 403
    assert clinic_setting_value(clinic, "spo2_min") == 92


def test_the_administrator_saves_an_operational_change(clinic, staff, client_for):
    client = client_for(staff[Role.ADMIN])
    response = client.post("/settings/consultation_length_minutes/", {"value": "500", "reason": "x"})
    assert response.status_code == 200
    assert b"at most 180" in response.content
    response = client.post("/settings/consultation_length_minutes/", {"value": "90", "reason": "Long intake"})
    assert response.status_code == 302
    assert clinic_setting_value(clinic, "consultation_length_minutes") == 90


def test_front_desk_and_patients_do_not_see_settings(clinic, staff, client_for, make_user):
    assert client_for(staff[Role.FRONT_DESK]).get(SETTINGS).status_code == 403
    assert client_for(make_user(Role.PATIENT, clinic)).get(SETTINGS).status_code == 403


def test_clinicians_see_the_settings_read_only_with_a_link_to_cosign(clinic, staff, client_for):
    for role in (Role.PHYSICIAN, Role.NURSE):
        response = client_for(staff[role]).get(SETTINGS)
        assert response.status_code == 200
        assert "Propose change" not in response.content.decode()
        assert reverse("core:setting_proposals") in response.content.decode()
        assert ">Change<" not in response.content.decode()


def test_the_medical_director_proposes_and_the_form_names_what_is_wrong(
    clinic, staff, client_for, medical_director
):
    client = client_for(medical_director)
    assert "Propose change" in row_html(client.get(SETTINGS), "spo2_min")
    page = client.get("/settings/spo2_min/propose/")
    assert page.status_code == 200
    assert "Allowed range" in page.content.decode()
    # SpO2 minimum 80 %: refused by the sane range, on the field
    response = client.post("/settings/spo2_min/propose/", {"value": "80", "reason": "test low"})
    assert response.status_code == 200
    assert (
        "Proposed value: Lowest oxygen saturation (SpO2): must be at least 90 %" in response.content.decode()
    )
    # pause systolic at the stop limit: refused naming both
    response = client.post("/settings/intra_pause_sbp/propose/", {"value": "200", "reason": "Fewer pauses"})
    text = response.content.decode()
    assert "pause above this systolic pressure” (200 mm Hg) must be lower than" in text
    assert "stop above this systolic pressure” (200 mm Hg)" in text
    assert not SettingChangeProposal.objects.exists()
    # a valid change waits for a co-signature
    response = client.post("/settings/spo2_min/propose/", {"value": "94", "reason": "Earlier warning"})
    proposal = SettingChangeProposal.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("core:setting_proposal", args=[proposal.pk])
    assert clinic_setting_value(clinic, "spo2_min") == 92
    settings_page = client.get(SETTINGS).content.decode()
    assert "Lowest oxygen saturation (SpO2)</strong>: 92 % → 94 %" in settings_page
    # the proposer's page offers no co-signature; posting one is refused
    own = client.get(reverse("core:setting_proposal", args=[proposal.pk])).content.decode()
    assert 'id="cosign-form"' not in own
    response = client.post(
        reverse("core:setting_proposal_cosign", args=[proposal.pk]), {"password": DEMO_PASSWORD}
    )
    assert PROPOSAL_OWN in response.content.decode()
    assert clinic_setting_value(clinic, "spo2_min") == 92


def test_a_physician_without_the_designation_cannot_open_the_proposal_form(clinic, staff, client_for):
    assert client_for(staff[Role.PHYSICIAN]).get("/settings/spo2_min/propose/").status_code == 403


def test_a_nurse_cosigns_with_her_password(clinic, staff, client_for, medical_director):
    proposal = pending_change(clinic, medical_director)
    client = client_for(staff[Role.NURSE])
    listing = client.get(reverse("core:setting_proposals")).content.decode()
    assert "Lowest oxygen saturation (SpO2)" in listing and "Review and co-sign" in listing
    page = client.get(reverse("core:setting_proposal", args=[proposal.pk])).content.decode()
    assert 'id="cosign-form"' in page
    url = reverse("core:setting_proposal_cosign", args=[proposal.pk])
    response = client.post(url, {"password": "wrong"})
    assert WRONG_PASSWORD in response.content.decode()
    assert clinic_setting_value(clinic, "spo2_min") == 92
    response = client.post(url, {"password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert clinic_setting_value(clinic, "spo2_min") == 94
    proposal.refresh_from_db()
    assert proposal.status == SettingChangeStatus.APPLIED


def test_a_clinician_rejects_and_the_director_withdraws(clinic, staff, client_for, medical_director):
    proposal = pending_change(clinic, medical_director)
    response = client_for(staff[Role.PHYSICIAN]).post(
        reverse("core:setting_proposal_reject", args=[proposal.pk]), {"reject-reason": "Alarm fatigue"}
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason) == (SettingChangeStatus.REJECTED, "Alarm fatigue")
    second = pending_change(clinic, medical_director, value="93")
    response = client_for(medical_director).post(
        reverse("core:setting_proposal_withdraw", args=[second.pk]), {"withdraw-reason": "Typo"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == SettingChangeStatus.WITHDRAWN


def test_another_clinics_proposal_is_not_found(
    clinic, other_clinic, staff, client_for, make_user, medical_director
):
    proposal = pending_change(clinic, medical_director)
    outsider = make_user(Role.NURSE, other_clinic)
    client = client_for(outsider)
    assert client.get(reverse("core:setting_proposal", args=[proposal.pk])).status_code == 404
    response = client.post(
        reverse("core:setting_proposal_cosign", args=[proposal.pk]), {"password": DEMO_PASSWORD}
    )
    assert response.status_code == 404


def test_stored_values_outside_todays_rules_show_flagged(clinic, staff, client_for):
    ClinicSetting.objects.create(clinic=clinic, key="spo2_min", value=80, reason="test low")
    ClinicSetting.objects.create(clinic=clinic, key="intra_pause_sbp", value=250, reason="old")
    response = client_for(staff[Role.ADMIN]).get(SETTINGS)
    assert response.status_code == 200
    assert "below the allowed range (90 to 96 %)" in row_html(response, "spo2_min")
    assert "must be lower than" in row_html(response, "intra_pause_sbp")


def test_no_developer_references_on_the_settings_pages(clinic, staff, client_for, medical_director):
    proposal = pending_change(clinic, medical_director)
    for path in (
        SETTINGS,
        "/settings/spo2_min/propose/",
        reverse("core:setting_proposal", args=[proposal.pk]),
    ):
        user = medical_director
        text = client_for(user).get(path).content.decode()
        for internal in ("domain.md", "§", "[U]", "[V]", "[S]", "SpravatoPI", "spo2_min<", ".py"):
            assert internal not in text, (path, internal)


def test_the_settings_list_reads_a_fixed_number_of_queries(
    clinic, staff, client_for, medical_director, django_assert_max_num_queries
):
    for key, value in (("spo2_min", "94"), ("hr_max", "110"), ("rr_max", "22")):
        pending_change(clinic, medical_director, key=key, value=value)
    client = client_for(staff[Role.NURSE])
    with django_assert_max_num_queries(12):
        assert client.get(SETTINGS).status_code == 200
