"""One ordered dose reads the same on every page, PDF and document that shows it.

The patient weighs 67.7 kg, so 0.5 mg/kg is 33.85 mg: the number where "rounded to one decimal" used to
give 33.9 mg on the flowsheet (half-up) and 33.8 mg on the after-visit summary (half-even) while the
chair-side page said 33.85 mg. Every rendering now goes through clinic/core/display.py.
"""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session, seed_library
from clinic.core.display import display_quantity
from clinic.treatment.tests.conftest import make_candidate, record_measurement

pytestmark = pytest.mark.django_db


def _patient_of_67_7_kg(clinic, staff, make_patient):
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    seed_library(clinic, staff)
    record_measurement(patient, staff[Role.NURSE], weight_kg="67.7", height_cm="170")
    make_candidate(patient, staff[Role.PHYSICIAN])
    return patient


def _text(response) -> str:
    if response["Content-Type"] == "application/pdf":
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_one_order_reads_the_same_everywhere(clinic, staff, make_patient, client_for):
    # given one patient infusing now and one discharged, both with a 33.85 mg order
    running = make_session(
        _patient_of_67_7_kg(clinic, staff, make_patient),
        staff,
        make_chair(clinic, staff, "Chair 1"),
        "running",
    )
    done = make_session(
        _patient_of_67_7_kg(clinic, staff, make_patient),
        staff,
        make_chair(clinic, staff, "Chair 2"),
        "discharged",
    )
    order = running.order
    assert order.dose_mg == Decimal("33.85")
    dose, rate = display_quantity(order.dose_mg, "mg"), display_quantity(order.rate_ml_h, "ml_per_h")
    assert (dose, rate) == ("33.85 mg", "50.7 mL/h")

    # when every page and document that shows the order is rendered
    nurse, physician = client_for(staff[Role.NURSE]), client_for(staff[Role.PHYSICIAN])
    renderings = {
        "chair-side page": nurse.get(reverse("infusions:session", args=[running.pk])),
        "chair-side live numbers": nurse.get(reverse("infusions:live", args=[running.pk])),
        "board": nurse.get(reverse("board:fragment")),
        "order page": physician.get(reverse("treatment:order_detail", args=[order.pk])),
        "course page": physician.get(reverse("treatment:course_detail", args=[order.course_id])),
        "flowsheet": nurse.get(reverse("documents:flowsheet", args=[done.pk])),
        "flowsheet PDF": nurse.get(reverse("documents:flowsheet_pdf", args=[done.pk])),
        "after-visit summary PDF": nurse.get(reverse("documents:summary_pdf", args=[done.pk])),
    }

    # then each shows the dose the one way, and never another rounding of it (33.8 mg does appear,
    # rightly: it is the dose the pump delivers at 50.7 mL/h for 40 min)
    for where, response in renderings.items():
        assert response.status_code == 200, where
        text = _text(response)
        assert dose in text, f"{where} does not show {dose}"
        for other in ("33.9 mg", "33.850 mg", "33.845"):
            assert other not in text, f"{where} shows {other}"
    for where in ("chair-side page", "order page", "flowsheet", "flowsheet PDF"):
        assert rate in _text(renderings[where]), f"{where} does not show {rate}"
