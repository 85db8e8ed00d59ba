"""The blind double check is blind everywhere (issue 8, point 4).

An order is signed and waits for its independent double check; its calculated numbers are
distinctive (37.45 mg, 0.819 mg/mL, 58.3 mL/h…). Signed in as a would-be checker (a nurse, a second
physician) and as an administrator, a crawler opens every page that person can reach — starting
from Today and the patient's chart, following every same-origin link, htmx URL and GET form (GET
only; sign-out excluded), with the PDFs and every API endpoint the OpenAPI schema lists — and
searches every response for every plausible rendering of the numbers.

The patient has an earlier, checked infusion (order 1: 35 mg, 52.5 mL/h) that went through the
whole infusion day, so the board, the chair-side pages, the flowsheet and the PDFs exist and are
crawled too. A positive control crawls as the physician who signed the order: the same search finds
the numbers, so the renderings and the crawl are not vacuous.
"""

import io
import json
import re
import uuid
from collections import deque
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from django.test import Client

from clinic.accounts.roles import Role
from clinic.infusions.services import infusion_start, infusion_stop, session_check_in, session_discharge
from clinic.infusions.services.discharge import INSTRUCTION_CODES
from clinic.infusions.tests.conftest import (
    age_recovery,
    answer_today,
    book_today,
    complete_gate,
    make_verified_order,
    vitals,
)
from clinic.scheduling.models import RoomKind
from clinic.scheduling.services import room_create
from clinic.treatment.models import Diluent, OrderStatus, StockedProduct
from clinic.treatment.services import order_create, order_sign, order_verify, protocol_library_seed
from clinic.treatment.services.orders import DoubleCheckMismatch
from clinic.treatment.tests.conftest import record_measurement
from conftest import DEMO_PASSWORD

# Order 2 at 74.9 kg: 0.5 mg/kg = 37.45 mg; 63.7 mg of the 10 mg/mL vial (6.37 mL) + 71.4 mL NS =
# 77.77 mL at 0.819082 mg/mL; 45.7225 mL over 47 min = 58.3692 mL/h, pumped at 58.3 mL/h, which
# delivers 37.4050 mg. None of these is an input shown to the checker.
BLIND_ORDER = {
    "dose_per_kg": Decimal("0.5"),
    "duration_min": 47,
    "drug_mg_added": Decimal("63.7"),
    "diluent": Diluent.NS,
    "diluent_volume_ml": Decimal("71.4"),
}
BLIND_WEIGHT = "74.9"
HIDDEN_FIELDS = (
    "dose_mg",
    "drug_volume_ml",
    "final_volume_ml",
    "bag_concentration_mg_per_ml",
    "volume_to_infuse_ml",
    "rate_ml_h_exact",
    "rate_ml_h",
    "delivered_dose_mg",
)
MAX_PAGES = 2500
# Links that differ only in their query string (next week, next page…) are followed this often.
MAX_VARIANTS_PER_PATH = 6
SKIP_PATH = re.compile(r"/static/|/media/|logout|sign-?out", re.IGNORECASE)


def renderings(value: Decimal) -> set[str]:
    """Every plausible way a page could print `value`: 0 to 4 decimals, rounded half-even,
    half-up, down and up, with and without trailing zeros, and the stored 6-decimal value."""
    found = {f"{value.normalize():f}", f"{value:f}"}
    for places in range(0, 5):
        step = Decimal(1).scaleb(-places)
        for rounding in (ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN, ROUND_UP):
            text = f"{value.quantize(step, rounding=rounding):f}"
            found.add(text)
            if "." in text:
                found.add(text.rstrip("0").rstrip("."))
    # Whole numbers and one significant digit ("58", "6") would match unrelated text.
    return {t for t in found if "." in t and len(t.replace(".", "").lstrip("0")) >= 2}


def hidden_renderings(order) -> dict[str, str]:
    """rendering → the order field it renders."""
    out = {}
    for name in HIDDEN_FIELDS:
        for text in renderings(getattr(order, name)):
            out.setdefault(text, name)
    return out


def find_renderings(text: str, patterns: dict[str, str]) -> list[str]:
    hits = []
    for rendering, name in patterns.items():
        # Not part of a longer number, nor a section number ("§6.3").
        if re.search(rf"(?<![\d.,§]){re.escape(rendering)}(?!\d)", text):
            hits.append(f"{rendering} ({name})")
    return hits


class LinkParser(HTMLParser):
    """Same-origin URLs a person (or the page's htmx) can GET from an HTML page."""

    URL_ATTRS = {"href", "src", "hx-get", "data-url", "data-href", "data-src", "poster"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "get":
                self.urls.append(attrs.get("action") or "")
            return
        for name, value in attrs.items():
            if not value:
                continue
            if name in self.URL_ATTRS or (name.startswith("data-") and value.startswith("/")):
                self.urls.append(value)


# Drawing coordinates of charts (SVG geometry) are not numbers a person reads.
SVG_GEOMETRY = re.compile(
    r'\s(?:points|d|x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|width|height|transform|viewBox)="[^"]*"'
)


def response_text(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in kind:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(body))
        parts = [page.extract_text() or "" for page in reader.pages]
        parts.append(json.dumps({str(k): str(v) for k, v in (reader.metadata or {}).items()}))
        return "\n".join(parts)
    if kind.startswith("image/") and "svg" not in kind:
        return ""
    return SVG_GEOMETRY.sub(" ", body.decode("utf-8", errors="replace"))


def crawl(client: Client, start: list[str], *, api_ids: dict[str, int]) -> dict[str, str]:
    """GET every reachable same-origin URL from `start` and the API's listed GET endpoints.
    Returns {url: text} (a redirect's text is ""); asserts the crawl finished within MAX_PAGES."""
    queue = deque(start)
    seen: set[str] = set()
    variants: dict[str, int] = {}
    texts: dict[str, str] = {}

    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    for path, operations in schema.json()["paths"].items():
        if "get" not in operations:
            continue
        url = re.sub(r"{([^}]+)}", lambda m: str(api_ids.get(m.group(1), api_ids["id"])), path)
        queue.append(url)

    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
            continue
        url = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if url in seen or SKIP_PATH.search(parts.path):
            continue
        if parts.query:
            variants[parts.path] = variants.get(parts.path, 0) + 1
            if variants[parts.path] > MAX_VARIANTS_PER_PATH:
                continue
        seen.add(url)
        assert len(seen) <= MAX_PAGES, "the crawl did not finish; raise MAX_PAGES"
        response = client.get(url)
        if response.status_code in (301, 302, 303, 307, 308):
            texts[url] = ""
            queue.append(urljoin(url, response["Location"]))
            continue
        text = response_text(response)
        texts[url] = text
        if "html" in response.get("Content-Type", ""):
            parser = LinkParser()
            parser.feed(text)
            queue.extend(urljoin(url, link) for link in parser.urls)
    return texts


@pytest.fixture
def blind_world(clinic, staff, make_patient, make_user):
    """An earlier infusion done start to finish (order 1, checked), then order 2 signed and waiting
    for its double check, with one refused attempt by another nurse; all through the services."""
    physician, nurse = staff[Role.PHYSICIAN], staff[Role.NURSE]
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    patient = make_patient(clinic, staff[Role.FRONT_DESK], given_name="Rowan", family_name="Achterberg")

    # order 1: 70 kg, 35 mg, 1 mg/mL, 52.5 mL/h, checked, and given today
    first = make_verified_order(patient, physician=physician, nurse=nurse)
    chair = room_create(clinic=clinic, name="Chair 1", kind=RoomKind.CHAIR, created_by=staff[Role.ADMIN])
    appointment = book_today(patient, booked_by=staff[Role.FRONT_DESK], room=chair)
    session = session_check_in(appointment=appointment, order=first, chair=chair, nurse=nurse)
    answer_today(patient, nurse)
    assert complete_gate(session, nurse).passed
    infusion_start(session=session, started_by=nurse, client_key=str(uuid.uuid4()))
    vitals(session, nurse)
    infusion_stop(session=session, stopped_by=nurse, reason="completed", client_key=str(uuid.uuid4()))
    vitals(session, nurse)
    session = age_recovery(session)
    session_discharge(
        session=session,
        discharged_by=nurse,
        score_items_given={"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2},
        driver_name="Jordan Example",
        driver_phone="617-555-0142",
        patient_typed_name=patient.full_name,
        instructions_acknowledged=list(INSTRUCTION_CODES),
        password=DEMO_PASSWORD,
    )

    # order 2: weighed again at 74.9 kg, drafted and signed with distinctive numbers
    record_measurement(patient, nurse, weight_kg=BLIND_WEIGHT, height_cm="170", confirm_weight_change=True)
    vial = StockedProduct.objects.get(clinic=clinic, concentration_mg_per_ml=Decimal("10"))
    order = order_create(course=first.course, created_by=physician, product=vial, **BLIND_ORDER)
    order = order_sign(order=order, signer=physician, password=DEMO_PASSWORD)
    assert (order.dose_mg, order.rate_ml_h) == (Decimal("37.45"), Decimal("58.3"))

    # a second nurse tries and types the right dose and concentration but a wrong rate: refused
    other_nurse = make_user(Role.NURSE, clinic, credentials="RN")
    with pytest.raises(DoubleCheckMismatch):
        order_verify(
            order=order,
            verifier=other_nurse,
            password=DEMO_PASSWORD,
            dose_mg=order.dose_mg,
            bag_concentration_mg_per_ml=order.bag_concentration_mg_per_ml,
            rate_ml_h=order.rate_ml_h + 1,
            patient_date_of_birth=patient.date_of_birth,
            identity_confirmed=True,
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.SIGNED
    return {
        "patient": patient,
        "order": order,
        "first": first,
        "session": session,
        "second_physician": make_user(Role.PHYSICIAN, clinic, credentials="MD"),
    }


def crawl_as(client_for, user, world) -> dict[str, str]:
    patient, order = world["patient"], world["order"]
    ids = {
        "id": order.pk,
        "order_id": order.pk,
        "patient_id": patient.pk,
        "course_id": order.course_id,
        "session_id": world["session"].pk,
    }
    return crawl(client_for(user), ["/", f"/patients/{patient.pk}/"], api_ids=ids)


@pytest.mark.parametrize("reader", ["nurse", "second physician", "administrator"])
def test_no_page_shows_the_numbers_of_an_order_awaiting_its_double_check(
    client_for, staff, blind_world, reader
):
    # given an order signed and awaiting its check, and a reader who may not see its numbers
    order = blind_world["order"]
    user = {
        "nurse": staff[Role.NURSE],
        "second physician": blind_world["second_physician"],
        "administrator": staff[Role.ADMIN],
    }[reader]
    patterns = hidden_renderings(order)
    assert {"37.45", "0.819", "58.3", "45.7", "77.77", "6.37"} <= set(patterns)

    # when they open every page they can reach
    texts = crawl_as(client_for, user, blind_world)

    # then the crawl reached the places the numbers could leak from (for the checkers: the order,
    # the double-check page, the course, the board, the documents and their PDFs) ...
    reached = set(texts)
    assert "/" in reached and f"/patients/{blind_world['patient'].pk}/" in reached
    if reader != "administrator":
        assert f"/treatment/orders/{order.pk}/" in reached
        assert f"/treatment/orders/{order.pk}/verify/" in reached
        assert f"/treatment/courses/{order.course_id}/" in reached
        assert any(url.endswith(".pdf") for url in reached), "no PDF was reached"
    else:
        assert any(url.startswith("/audit/") and url != "/audit/" for url in reached), "no audit event"
    # ... and none of them shows any rendering of the hidden numbers
    leaks = {url: hits for url, text in texts.items() if (hits := find_renderings(text, patterns))}
    assert leaks == {}


def test_the_signer_sees_the_numbers_on_the_same_crawl(client_for, staff, blind_world):
    # positive control: the same search finds the numbers where they are allowed
    order = blind_world["order"]
    texts = crawl_as(client_for, staff[Role.PHYSICIAN], blind_world)

    # (volumes show to 0.01 mL by the one display rule: 45.72 mL)
    hits = find_renderings(texts[f"/treatment/orders/{order.pk}/"], hidden_renderings(order))
    assert {"37.45", "0.819", "58.3", "45.72", "77.77", "6.37"} <= {hit.split()[0] for hit in hits}


def test_after_the_double_check_every_reader_sees_the_numbers(client_for, staff, blind_world):
    # given the nurse's own numbers match: the order is checked
    order, nurse = blind_world["order"], staff[Role.NURSE]
    order_verify(
        order=order,
        verifier=nurse,
        password=DEMO_PASSWORD,
        dose_mg=Decimal("37.45"),
        bag_concentration_mg_per_ml=Decimal("0.819"),
        rate_ml_h=Decimal("58.3"),
        patient_date_of_birth=blind_world["patient"].date_of_birth,
        identity_confirmed=True,
    )
    patterns = hidden_renderings(order)

    # then the order page shows them to the nurse, and the audit viewer to the administrator
    page = client_for(nurse).get(f"/treatment/orders/{order.pk}/")
    assert "37.45 (dose_mg)" in find_renderings(page.content.decode(), patterns)
    admin = client_for(staff[Role.ADMIN])
    audit = "".join(admin.get(f"/audit/?page={n}").content.decode() for n in (1, 2, 3)) + "".join(
        admin.get(url).content.decode() for url in _audit_event_urls(admin)
    )
    assert "37.45 (dose_mg)" in find_renderings(audit, patterns)


def _audit_event_urls(client) -> list[str]:
    html = client.get("/audit/").content.decode()
    return re.findall(r'href="(/audit/\d+/)"', html)


def test_renderings_cover_the_usual_forms():
    assert {"37.45", "37.4", "37.5", "37.450"} <= renderings(Decimal("37.45"))
    assert {"0.819", "0.82", "0.8191", "0.819082"} <= renderings(Decimal("0.819082"))
    assert "58" not in renderings(Decimal("58.3")) and "6" not in renderings(Decimal("6.37"))
    assert find_renderings("dose 37.45 mg", {"37.45": "dose"}) == ["37.45 (dose)"]
    assert find_renderings("137.45 and 37.451 and §37.45", {"37.45": "dose"}) == []
