import html
import re
import uuid

import pytest

from clinic.audit.models import AuditEvent
from clinic.treatment.models import InfusionOrder, OrderStatus
from clinic.treatment.services import order_verify
from conftest import DEMO_PASSWORD

ORDER_FORM = {
    "dose_per_kg": "0.5",
    "duration_min": "40",
    "drug_mg_added": "50",
    "diluent": "ns",
    "diluent_volume_ml": "49",
}


def form_data(bag_product, **overrides):
    return {**ORDER_FORM, "product": str(bag_product.pk), **overrides}


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_order_form_shows_the_protocol_defaults(client_for, physician, mood_course):
    response = client_for(physician).get(f"/treatment/courses/{mood_course.pk}/orders/new/")

    form = response.context["form"]
    assert form["dose_per_kg"].value() == form.initial["dose_per_kg"]
    assert str(form.initial["dose_per_kg"]) == "0.5" and form.initial["duration_min"] == 40
    assert f'hx-post="/treatment/courses/{mood_course.pk}/orders/preview/"' in response.content.decode()
    assert "70 kg" in text(response)


def test_preview_returns_the_plan_fragment_and_saves_nothing(client_for, physician, mood_course, bag_product):
    response = client_for(physician).post(
        f"/treatment/courses/{mood_course.pk}/orders/preview/", form_data(bag_product)
    )

    body = text(response)
    assert "<html" not in response.content.decode()
    assert "35 mg" in body and "1 mg/mL" in body and "52.5 mL/h" in body
    assert not InfusionOrder.objects.exists()


def test_preview_shows_a_hard_stop_for_a_dose_typed_in_mg(client_for, physician, mood_course, bag_product):
    response = client_for(physician).post(
        f"/treatment/courses/{mood_course.pk}/orders/preview/",
        form_data(bag_product, dose_per_kg="52.5"),
    )
    assert "Cannot be signed" in text(response)
    assert "check the unit (mg/kg, not mg)" in text(response)


def test_calculate_without_javascript_shows_the_plan(client_for, physician, mood_course, bag_product):
    response = client_for(physician).post(
        f"/treatment/courses/{mood_course.pk}/orders/new/",
        form_data(bag_product, action="calculate"),
    )
    assert response.status_code == 200
    assert "52.5 mL/h" in text(response)
    assert not InfusionOrder.objects.exists()


def test_save_drafts_the_order(client_for, physician, mood_course, bag_product):
    response = client_for(physician).post(
        f"/treatment/courses/{mood_course.pk}/orders/new/",
        form_data(bag_product, action="save", submission_key=str(uuid.uuid4())),
    )
    order = InfusionOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/treatment/orders/{order.pk}/"
    assert order.rate_ml_h == 52.5


def test_double_submitted_save_creates_one_order(client_for, physician, mood_course, bag_product):
    client = client_for(physician)
    data = form_data(bag_product, action="save", submission_key=str(uuid.uuid4()))
    client.post(f"/treatment/courses/{mood_course.pk}/orders/new/", data)
    client.post(f"/treatment/courses/{mood_course.pk}/orders/new/", data)
    assert InfusionOrder.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"dose_per_kg": "52.5"}, "dose_per_kg", "check the unit"),
        ({"dose_per_kg": "1.2"}, "dose_per_kg", "exceeds the protocol maximum"),
        ({"new_weight_kg": "700"}, "new_weight_kg", "Weight must be between 20 and 350 kg."),
        ({"drug_mg_added": "20"}, "drug_mg_added", "Add more drug to the bag"),
        ({"diluent_volume_ml": ""}, "diluent_volume_ml", "This field is required."),
        ({"product": "999999"}, "product", "Select a valid choice"),
    ],
)
def test_bad_input_gives_a_field_error_and_saves_nothing(
    client_for, physician, mood_course, bag_product, overrides, field, message
):
    response = client_for(physician).post(
        f"/treatment/courses/{mood_course.pk}/orders/new/",
        form_data(bag_product, action="save", **overrides),
    )

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not InfusionOrder.objects.exists()


def test_a_weight_typed_in_pounds_is_refused_until_confirmed(client_for, physician, mood_course, bag_product):
    # given a 70 kg patient whose weight today is typed as 154 (pounds)
    client = client_for(physician)
    url = f"/treatment/courses/{mood_course.pk}/orders/new/"
    response = client.post(url, form_data(bag_product, action="save", new_weight_kg="154"))
    # then the weight field says to check the units, and nothing is saved
    assert "check the units" in " ".join(response.context["form"].errors["new_weight_kg"])
    assert not InfusionOrder.objects.exists()

    # when a real 80 kg is confirmed, the order is drafted on it
    client.post(
        url,
        form_data(
            bag_product,
            action="save",
            new_weight_kg="80",
            confirm_weight_change="on",
            submission_key=str(uuid.uuid4()),
        ),
    )
    assert InfusionOrder.objects.get().dosing_weight_kg == 80


def test_sign_view_with_the_password(client_for, physician, draft_order):
    response = client_for(physician).post(
        f"/treatment/orders/{draft_order.pk}/sign/", {"password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    draft_order.refresh_from_db()
    assert draft_order.status == OrderStatus.SIGNED


def test_sign_view_wrong_password_names_the_field(client_for, physician, draft_order):
    response = client_for(physician).post(
        f"/treatment/orders/{draft_order.pk}/sign/", {"password": "nope-nope-nope"}
    )
    assert response.context["form"].errors["password"]
    draft_order.refresh_from_db()
    assert draft_order.status == OrderStatus.DRAFT


def test_sign_view_asks_to_acknowledge_each_warning(client_for, physician, make_order, mood_course):
    order = make_order(mood_course, dose_per_kg="0.05")
    client = client_for(physician)

    page = client.get(f"/treatment/orders/{order.pk}/sign/")
    assert 'name="acknowledge"' in page.content.decode()
    refused = client.post(f"/treatment/orders/{order.pk}/sign/", {"password": DEMO_PASSWORD})
    assert "Acknowledge each warning" in text(refused)
    accepted = client.post(
        f"/treatment/orders/{order.pk}/sign/",
        {"password": DEMO_PASSWORD, "acknowledge": "DOSE_OUTSIDE_USUAL_RANGE"},
    )
    assert accepted.status_code == 302


def test_verify_page_never_shows_the_computed_numbers(client_for, nurse, signed_order):
    response = client_for(nurse).get(f"/treatment/orders/{signed_order.pk}/verify/")

    body = text(response)
    assert "0.5 mg/kg over 40 min" in body and "70 kg" in body  # the inputs
    assert "52.5" not in body
    assert "35 mg" not in body
    assert not re.search(r"(?<![\d.])1 mg/mL", body)
    assert signed_order.patient.date_of_birth.isoformat() not in body


def test_order_page_hides_the_numbers_from_the_checker_until_verified(client_for, nurse, signed_order):
    client = client_for(nurse)
    before = text(client.get(f"/treatment/orders/{signed_order.pk}/"))
    assert "52.5" not in before and "stay hidden" in before

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
    after = text(client.get(f"/treatment/orders/{signed_order.pk}/"))
    assert "52.5 mL/h" in after and "35 mg" in after and "Independently double-checked" in after


def test_order_page_hides_a_draft_from_everyone_but_its_prescriber(client_for, nurse, physician, draft_order):
    url = f"/treatment/orders/{draft_order.pk}/"

    nurse_page = text(client_for(nurse).get(url))
    assert "35 mg" not in nurse_page and "52.5 mL/h" not in nurse_page and "1 mg/mL" not in nurse_page
    assert "stay hidden" in nurse_page
    prescriber_page = text(client_for(physician).get(url))
    assert "35 mg" in prescriber_page and "52.5 mL/h" in prescriber_page


def test_order_page_shows_the_signer_the_numbers_while_awaiting_the_check(
    client_for, nurse, physician, signed_order
):
    url = f"/treatment/orders/{signed_order.pk}/"

    assert "52.5 mL/h" not in text(client_for(nurse).get(url))
    signer_page = text(client_for(physician).get(url))
    assert "35 mg" in signer_page and "52.5 mL/h" in signer_page and "stay hidden" not in signer_page


def test_verify_mismatch_is_refused_with_the_number_named(client_for, nurse, signed_order):
    response = client_for(nurse).post(
        f"/treatment/orders/{signed_order.pk}/verify/",
        {
            "dose_mg": "35",
            "bag_concentration_mg_per_ml": "1",
            "rate_ml_h": "35",
            "patient_date_of_birth": signed_order.patient.date_of_birth.isoformat(),
            "identity_confirmed": "on",
            "password": DEMO_PASSWORD,
        },
    )

    assert "Refused: Pump rate (mL/h) did not match" in text(response)
    signed_order.refresh_from_db()
    assert signed_order.status == OrderStatus.SIGNED
    assert AuditEvent.objects.filter(changes__extra__outcome="double_check_mismatch").count() == 1


def test_verify_match_activates_the_order(client_for, nurse, signed_order):
    response = client_for(nurse).post(
        f"/treatment/orders/{signed_order.pk}/verify/",
        {
            "dose_mg": "35",
            "bag_concentration_mg_per_ml": "1.000",
            "rate_ml_h": "52.5",
            "patient_date_of_birth": signed_order.patient.date_of_birth.isoformat(),
            "identity_confirmed": "on",
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 302
    signed_order.refresh_from_db()
    assert signed_order.status == OrderStatus.VERIFIED


def test_order_page_draws_the_chosen_pk_model(client_for, physician, signed_order):
    client = client_for(physician)

    default = client.get(f"/treatment/orders/{signed_order.pk}/")
    hijazi = client.get(f"/treatment/orders/{signed_order.pk}/?model=hijazi")
    unknown = client.get(f"/treatment/orders/{signed_order.pk}/?model=nonsense")

    assert default.context["prediction"].model.key == "clements250"
    assert hijazi.context["prediction"].model.key == "hijazi"
    assert unknown.context["prediction"].model.key == "clements250"
    assert "<polyline" in default.content.decode()
    assert "Plasma ketamine (ng/mL)" in default.content.decode()


def test_order_detail_query_count(client_for, physician, signed_order, django_assert_max_num_queries):
    client = client_for(physician)
    client.get(f"/treatment/orders/{signed_order.pk}/")
    with django_assert_max_num_queries(9):
        response = client.get(f"/treatment/orders/{signed_order.pk}/")
    assert response.status_code == 200


def test_order_list_shows_orders_awaiting_a_check(
    client_for, nurse, signed_order, django_assert_max_num_queries
):
    client = client_for(nurse)
    client.get("/treatment/orders/")
    with django_assert_max_num_queries(10):
        response = client.get("/treatment/orders/")
    assert [o.pk for o in response.context["page_obj"]] == [signed_order.pk]


# --- Issue 8, point 9a: sterile water ---------------------------------------------------------------


def test_order_form_does_not_offer_sterile_water_and_says_why(client_for, physician, mood_course):
    response = client_for(physician).get(f"/treatment/courses/{mood_course.pk}/orders/new/")

    html = response.content.decode()
    assert 'value="sterile_water"' not in html
    assert 'value="ns"' in html and 'value="d5w"' in html
    assert "Sterile water is not offered: it is hypotonic" in text(response)


def test_sterile_water_submitted_anyway_is_a_diluent_error_naming_why(
    client_for, physician, mood_course, bag_product
):
    from clinic.treatment.planning import STERILE_WATER_REFUSED

    response = client_for(physician).post(
        f"/treatment/courses/{mood_course.pk}/orders/new/",
        form_data(bag_product, action="save", diluent="sterile_water"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["diluent"] == [STERILE_WATER_REFUSED]
    assert f"Diluent: {STERILE_WATER_REFUSED}" in html.unescape(text(response))
    assert not InfusionOrder.objects.exists()


# --- The order and double-check forms on a tablet -----------------------------------------------------


@pytest.mark.parametrize(
    "name", ["dose_per_kg", "duration_min", "drug_mg_added", "diluent_volume_ml", "new_weight_kg"]
)
def test_order_form_dose_and_volume_boxes_are_not_number_spinners(client_for, physician, mood_course, name):
    # A number box changes on a wheel/arrow key, and in Chromium leaving one after typing could
    # scroll the page so the tap on "Save draft order" missed (the tablet e2e test): text + keypad.
    html = client_for(physician).get(f"/treatment/courses/{mood_course.pk}/orders/new/").content.decode()
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    assert 'type="text"' in tag
    assert 'inputmode="decimal"' in tag or 'inputmode="numeric"' in tag


def test_verify_form_number_boxes_are_text_with_a_decimal_keypad(client_for, nurse, signed_order):
    html = client_for(nurse).get(f"/treatment/orders/{signed_order.pk}/verify/").content.decode()
    for name in ("dose_mg", "bag_concentration_mg_per_ml", "rate_ml_h"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="text"' in tag and 'inputmode="decimal"' in tag


def test_order_page_names_the_published_pk_model_and_its_sources(client_for, physician, signed_order):
    body = client_for(physician).get(f"/treatment/orders/{signed_order.pk}/?model=domino").content.decode()
    # the published model and paper, not the code the parameters were read from
    assert "Domino 1984 three-compartment model" in body
    assert "Clin Pharmacol Ther 1984" in body
    assert "Zanos 2018" in body  # the observed concentrations drawn beside it
    for internal in ("opentiva", "ketamine.py", "domain.md", "§", "(MIT)"):
        assert internal not in body
