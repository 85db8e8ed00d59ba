"""The live clinic board updates without a reload; the after-visit summary downloads as a PDF and the
session's flowsheet opens as a printable page."""

import io
import re
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session, shift_session, vitals


def test_board_updates_and_documents_download(
    page, live_server, sign_in, screenshot, clinic, staff, make_patient
):
    # given a busy clinic: chairs in every state, one running infusion and one patient discharged
    front_desk, nurse = staff[Role.FRONT_DESK], staff[Role.NURSE]
    chairs = [make_chair(clinic, staff, f"Chair {n}") for n in range(1, 8)]
    running = make_session(
        make_patient(clinic, front_desk, given_name="Rosa", family_name="Delgado"),
        staff,
        chairs[0],
        "running",
    )
    late = make_session(
        make_patient(clinic, front_desk, given_name="Amir", family_name="Haddad"), staff, chairs[1]
    )
    shift_session(late, 25)  # no vitals for 25 min: overdue
    vitals(late, nurse, sbp=186, dbp=104)  # raises an alert, and resets the cadence
    shift_session(late, 15)
    make_session(
        make_patient(clinic, front_desk, given_name="Mei", family_name="Chen"), staff, chairs[2], "paused"
    )
    make_session(
        make_patient(clinic, front_desk, given_name="Tom", family_name="Becker"),
        staff,
        chairs[3],
        "recovering",
    )
    make_session(
        make_patient(clinic, front_desk, given_name="Ines", family_name="Moreau"), staff, chairs[4], "ready"
    )
    discharged = make_session(
        make_patient(
            clinic,
            front_desk,
            given_name="Zoë",
            family_name="Ñúñez",
            referring_clinician_name="Dr. Ana Okafor",
            referring_clinician_email="okafor@example.org",
        ),
        staff,
        chairs[5],
        "discharged",
        with_effects=True,
    )

    # when a nurse opens the board
    sign_in(page, nurse)
    page.goto(f"{live_server.url}/board/")
    board = page.locator("#board")
    first_chair = page.locator(f"#chair-{chairs[0].pk}-{running.pk}")
    expect(first_chair).to_contain_text("Running")
    expect(first_chair).to_contain_text("Rosa Delgado")
    expect(page.locator(f"#chair-{chairs[1].pk}-{late.pk}")).to_contain_text("OVERDUE")
    expect(board).to_contain_text("Pause the infusion")
    expect(page.locator(f"#chair-{chairs[6].pk}")).to_contain_text("Free")
    updated = page.locator("#board-updated").inner_text()

    # and a vital sign is charted elsewhere (another tablet), without touching this page
    vitals(running, nurse, sbp=132, dbp=84, hr=77)

    # then the board shows it within a poll (every 5 s), without a reload
    expect(first_chair).to_contain_text("Last 132/84 mm Hg", timeout=9000)
    expect(page.locator("#board-updated")).not_to_have_text(updated)
    assert page.url.endswith("/board/")
    screenshot(page, "clinic-board")

    # when the nurse opens the discharged patient's documents and downloads the summary
    page.goto(f"{live_server.url}/documents/sessions/{discharged.pk}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the after-visit summary (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"after-visit-summary-session-{discharged.pk}.pdf"
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Zoë Ñúñez" in text and "988" in text and "Jordan Driver" in text

    # and opens the flowsheet
    page.get_by_role("link", name="Open the flowsheet").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Infusion flowsheet")
    expect(page.locator(".vitals-chart svg polyline").first).to_be_visible()
    expect(page.locator("table.flowsheet")).to_contain_text("150/92")
    expect(page.locator("table.flowsheet")).to_contain_text(re.compile(r"Ondansetron 4 mg IV"))
    screenshot(page, "flowsheet")
