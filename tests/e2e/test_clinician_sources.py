"""Clinical screens speak to clinicians (issue 8, point 12): on a tablet, the physician reads each
finding's and protocol's source as the label or guideline ("Spravato label", "ASRA/AAPM/ASA 2018 pain
consensus"), the order's PK model as the published model, and the administrator reads the audit trail
in words ("Vital signs #18"), never a file, section sign, confidence tag or model label.

The demo is loaded (committed, so the live server sees it); people sign in through the real form.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clinic.accounts.models import User
from clinic.core.demo import data
from clinic.patients.models import Patient
from clinic.treatment.models import InfusionOrder, OrderStatus, Protocol
from tests.e2e.conftest import TABLET, TABLET_PORTRAIT, use_viewport

pytestmark = pytest.mark.django_db(transaction=True)

INTERNAL = re.compile(
    r"domain\.md|§|\[(?:U|V|S)\]|\bopentiva\b|\w+\.py\b|\b[a-z_]+\.[A-Z][A-Za-z]+\b|\bmanage\.py\b"
)


@pytest.fixture
def demo(transactional_db):
    from clinic.core.demo.loader import demo_load

    return demo_load()


def _assert_speaks_to_clinicians(page):
    text = page.locator("main").inner_text()
    assert not INTERNAL.search(text), INTERNAL.findall(text)


def test_physician_reads_sources_and_the_pk_model_in_words(page, live_server, sign_in, screenshot, demo):
    harbor = {"clinic__slug": data.HARBOR_SLUG}
    patient = Patient.objects.get(record_number=demo.highlights["ready_for_decision"], **harbor)
    order = InfusionOrder.objects.filter(status=OrderStatus.VERIFIED, **harbor).order_by("pk").first()
    protocol = Protocol.objects.get(code="pain-crps", superseded_by__isnull=True, **harbor)
    # given the physician on a landscape tablet
    use_viewport(page, TABLET)
    sign_in(page, User.objects.get(username="physician"), data.DEMO_PASSWORD)

    # when they open the candidacy evaluation
    page.goto(f"{live_server.url}{reverse('evaluation:patient', args=[patient.pk])}")
    # then each finding names its source as a clinician knows it, in view beside the finding
    source = page.locator("#findings td:last-child").first
    expect(source).to_have_text(re.compile(r"label|consensus|guideline|CANMAT|Andrade|Yale|Sanacora"))
    source.scroll_into_view_if_needed()
    expect(source).to_be_in_viewport()
    _assert_speaks_to_clinicians(page)
    screenshot(page, "evaluation-sources")

    # when they open a protocol: its sources are the consensus and the trials, by name
    page.goto(f"{live_server.url}{reverse('treatment:protocol_detail', args=[protocol.pk])}")
    expect(page.get_by_role("listitem").filter(has_text="CRPS regimen, grade B")).to_contain_text(
        "ASRA/AAPM/ASA 2018 pain consensus"
    )
    _assert_speaks_to_clinicians(page)

    # when they open an order and choose the Domino model
    page.goto(f"{live_server.url}{reverse('treatment:order_detail', args=[order.pk])}#pk")
    page.get_by_label("Model", exact=True).select_option("domino")
    page.get_by_role("button", name="Show").click()
    # then the published model and paper are named, and the bands cite the review they come from
    note = page.locator("#pk p.muted").filter(has_text="Domino 1984 three-compartment model")
    expect(note).to_contain_text("Clin Pharmacol Ther 1984")
    expect(note).to_contain_text("Zanos 2018")
    _assert_speaks_to_clinicians(page)
    screenshot(page, "order-pk-model")


def test_administrator_reads_the_audit_trail_in_words(page, live_server, sign_in, screenshot, demo):
    admin = User.objects.get(username="admin")
    for size in (TABLET, TABLET_PORTRAIT):
        # given the administrator on a tablet
        use_viewport(page, size)
        sign_in(page, admin, data.DEMO_PASSWORD)
        # when they open the audit trail
        page.goto(f"{live_server.url}{reverse('audit:list')}")
        # then each row says what the record is, and the integrity check is described in words
        expect(
            page.locator("tbody td").filter(has_text=re.compile(r"^[A-Z][a-z -]+ #\d+$")).first
        ).to_be_visible()
        expect(
            page.get_by_text("an integrity check reports the first altered or missing record")
        ).to_be_in_viewport()
        _assert_speaks_to_clinicians(page)
        if size is TABLET:
            screenshot(page, "audit-trail")
        # when they open one event: its fields are named in words
        page.locator("tbody a").first.click()
        expect(page.get_by_text("Record", exact=True)).to_be_visible()
        _assert_speaks_to_clinicians(page)
        page.context.clear_cookies()
