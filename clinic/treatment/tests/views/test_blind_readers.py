"""Issue 8, point 4: every reader of an order applies the one blind rule (`order_numbers_hidden`):
the order page's signatures, the course page and the audit viewer — including text written before
statements and summaries stopped quoting the dose. The whole-site crawl is
tests/test_blind_double_check.py."""

import re

from django.db import transaction

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.audit.services import audit_record
from clinic.core.models import ElectronicSignature
from clinic.treatment.selectors import BLIND_PLACEHOLDER, order_text_blind
from clinic.treatment.services import order_sign, order_verify
from conftest import DEMO_PASSWORD


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def legacy_statement(order):
    """What order_sign wrote before the fix: the computed dose in the signature statement."""
    ElectronicSignature.objects.filter(pk=order.signature_id).update(statement="Infusion order 1: 35 mg")


def test_new_signatures_and_summaries_name_the_order_without_its_numbers(signed_order):
    assert signed_order.signature.statement == "Infusion order 1: 0.5 mg/kg over 40 min"
    summaries = list(
        AuditEvent.objects.filter(object_type="treatment.InfusionOrder").values_list("summary", flat=True)
    )
    assert "Infusion order 1 drafted (0.5 mg/kg over 40 min)" in summaries
    assert not any("35" in s or "52.5" in s for s in summaries)


def test_checker_sees_the_signature_without_the_dose_even_in_an_old_statement(
    client_for, nurse, signed_order
):
    legacy_statement(signed_order)

    page = text(client_for(nurse).get(f"/treatment/orders/{signed_order.pk}/"))

    assert "Infusion order 1: 35 mg" not in page and "35 mg" not in page
    assert f"Infusion order 1: [{BLIND_PLACEHOLDER}]" in page


def test_signer_still_reads_the_statement_as_signed(client_for, physician, signed_order):
    legacy_statement(signed_order)

    page = text(client_for(physician).get(f"/treatment/orders/{signed_order.pk}/"))

    assert "Infusion order 1: 35 mg" in page


def test_course_page_hides_the_numbers_from_the_checker(client_for, nurse, physician, signed_order):
    url = f"/treatment/courses/{signed_order.course_id}/"

    assert "Hidden until double-checked" in text(client_for(nurse).get(url))
    assert "52.5 mL/h" not in text(client_for(nurse).get(url))
    assert "52.5 mL/h" in text(client_for(physician).get(url))


def test_audit_viewer_hides_an_unchecked_orders_numbers_until_the_check(
    client_for, staff, nurse, signed_order
):
    # given an event written the old way (the dose in its summary and statement) besides the new ones
    with transaction.atomic():
        legacy = audit_record(
            action=AuditAction.SIGN,
            actor=staff[Role.PHYSICIAN],
            clinic=signed_order.clinic,
            obj=signed_order,
            patient_id=signed_order.patient_id,
            summary="Infusion order 1 drafted (35 mg)",
            extra={"statement": "Infusion order 1: 35 mg", "entered": {"rate_ml_h": "52.5"}},
        )
    admin = client_for(staff[Role.ADMIN])

    # when the administrator reads the trail while the order awaits its double check
    listing = text(admin.get("/audit/"))
    detail = text(admin.get(f"/audit/{legacy.pk}/"))
    order_events = AuditEvent.objects.filter(
        object_type="treatment.InfusionOrder", object_id=signed_order.pk
    ).values_list("pk", flat=True)
    details = " ".join(text(admin.get(f"/audit/{pk}/")) for pk in order_events)

    # then no computed number shows: not in summaries, snapshots, diffs or details
    for page in (listing, detail, details):
        assert "35 mg" not in page and "52.5" not in page
    assert "Infusion order 1 drafted ([hidden until the double check])" in listing
    assert "hidden until the double check" in detail

    # when the nurse's numbers match, the same pages show them
    order_verify(
        order=signed_order,
        verifier=nurse,
        password=DEMO_PASSWORD,
        dose_mg="35",
        bag_concentration_mg_per_ml="1",
        rate_ml_h="52.5",
        patient_date_of_birth=signed_order.patient.date_of_birth,
        identity_confirmed=True,
    )
    assert "Infusion order 1 drafted (35 mg)" in text(admin.get("/audit/"))
    assert "52.5" in text(admin.get(f"/audit/{legacy.pk}/"))


def test_audit_detail_lists_details_that_have_a_key_named_items(client_for, staff, clinic):
    # a readiness check's details carry "items"; the template must not look up dict.items on them
    with transaction.atomic():
        event = audit_record(
            action=AuditAction.CREATE,
            actor=staff[Role.NURSE],
            clinic=clinic,
            object_type="infusions.ReadinessCheck",
            object_id=1,
            summary="Readiness check",
            extra={"items": ["fasting", "escort", "bp"], "passed": True},
        )

    response = client_for(staff[Role.ADMIN]).get(f"/audit/{event.pk}/")

    assert response.status_code == 200
    assert "fasting" in text(response)


def test_order_text_blind_masks_plan_numbers_not_inputs():
    assert order_text_blind("Infusion order 3: 22.6 mg") == f"Infusion order 3: [{BLIND_PLACEHOLDER}]"
    assert order_text_blind("50 mg in 65.8 mL = 0.749 mg/mL at 56.2 mL/h").count(BLIND_PLACEHOLDER) == 4
    kept = "Infusion order 3: 0.5 mg/kg over 40 min; titration: 0.35 mg/kg/h"
    assert order_text_blind(kept) == kept


def test_audit_list_asks_the_blind_rule_once_per_page(
    client_for, staff, make_order, mood_course, physician, django_assert_max_num_queries
):
    # given many orders' events on one page (drafted, one of them signed)
    orders = [make_order(mood_course) for _ in range(6)]
    order_sign(order=orders[0], signer=physician, password=DEMO_PASSWORD)
    client = client_for(staff[Role.ADMIN])

    # then the list costs the same as any audit page: one extra query for all the orders on it
    with django_assert_max_num_queries(16):
        response = client.get("/audit/")
    assert text(response).count("[hidden until the double check]") == 0  # new summaries carry none
    assert "Infusion order 6 drafted (0.5 mg/kg over 40 min)" in text(response)


def test_a_titration_reason_quoting_a_dose_is_masked_for_the_checker(
    client_for, nurse, physician, make_order, mood_course
):
    # given a second order whose titration reason quotes the new dose in mg
    first = make_order(mood_course)
    order_sign(order=first, signer=physician, password=DEMO_PASSWORD)
    second = make_order(mood_course, dose_per_kg="0.6", titration_reason="Partial response: up to 42 mg")
    order_sign(order=second, signer=physician, password=DEMO_PASSWORD)

    nurse_page = text(client_for(nurse).get(f"/treatment/orders/{second.pk}/"))
    signer_page = text(client_for(physician).get(f"/treatment/orders/{second.pk}/"))

    assert "42 mg" not in nurse_page
    assert f"Partial response: up to [{BLIND_PLACEHOLDER}]" in nurse_page
    assert "Partial response: up to 42 mg" in signer_page
