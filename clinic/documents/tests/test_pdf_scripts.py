"""Documents for every patient: names in any script print as written, with embedded fonts, the
document's language and PDF/A metadata (issue 8, point 13)."""

import io
import unicodedata

import pytest
from django.urls import reverse
from pypdf import PdfReader

from clinic.accounts.roles import Role
from clinic.board.tests.builders import make_chair, make_session
from clinic.documents.text import MISSING, printable_text

NAMES = [
    ("Łukasz", "Dvořák"),  # Polish and Czech letters outside Latin-1
    ("Nguyễn Thị", "Minh Khai"),  # Vietnamese stacked accents
    ("Александра", "Петрова"),  # Cyrillic
    ("Ελένη", "Παπαδοπούλου"),  # Greek
    ("小明", "王"),  # Chinese
    ("민준", "김"),  # Korean
    ("فاطمة", "الزهراء"),  # Arabic, right to left
]
DOCUMENTS = ["documents:summary_pdf", "documents:referral_pdf", "documents:flowsheet_pdf"]


def is_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def as_extracted(text: str) -> str:
    """How pypdf reads `text` back: a right-to-left line is drawn (and so read) last word first,
    each word in its own reading order; a left-to-right one as written."""
    return " ".join(reversed(text.split())) if is_rtl(text) else text


def read(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content))


def fonts_of(reader: PdfReader) -> list:
    fonts = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.append(font.get_object())
    return fonts


def is_embedded(font) -> bool:
    if font["/Subtype"] == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


@pytest.fixture
def session_of(clinic, staff, make_patient):
    chairs = {}

    def make(given_name: str, family_name: str):
        patient = make_patient(
            clinic,
            staff[Role.FRONT_DESK],
            given_name=given_name,
            family_name=family_name,
            referring_clinician_name=f"Dr. {given_name} {family_name}",
            referring_clinician_practice="Harbor Psychiatry Associates",
        )
        chair = chairs.setdefault("chair", make_chair(clinic, staff, "Chair 1"))
        return make_session(patient, staff, chair, "discharged", with_effects=True)

    return make


@pytest.mark.parametrize(("given_name", "family_name"), NAMES)
def test_every_document_prints_the_name_as_written(given_name, family_name, session_of, staff, client_for):
    # given a discharged patient named in this script
    session = session_of(given_name, family_name)
    full_name = f"{given_name} {family_name}"
    client = client_for(staff[Role.PHYSICIAN])
    for page in DOCUMENTS:
        # when the document is downloaded
        response = client.get(reverse(page, args=[session.pk]))
        # then the name reads back exactly (every character, no "?"), fonts are embedded, the
        # language is set and the file declares PDF/A-2u with its title in the XMP metadata
        assert response.status_code == 200, page
        reader = read(response.content)
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert as_extracted(full_name) in text, (page, text[:400])
        if page == "documents:referral_pdf":
            assert as_extracted(f"Dr. {full_name}") in text or as_extracted(full_name) in text
        fonts = fonts_of(reader)
        assert fonts and all(is_embedded(font) for font in fonts), page
        assert reader.trailer["/Root"]["/Lang"] == "en-US"
        xmp = reader.xmp_metadata
        assert xmp is not None and xmp.pdfaid_part == "2" and xmp.pdfaid_conformance == "U", page
        assert xmp.dc_title["x-default"], page


def test_arabic_is_shaped_right_to_left(session_of, staff, client_for):
    # given an Arabic name
    session = session_of("فاطمة", "الزهراء")
    # when the summary is made
    content = client_for(staff[Role.NURSE]).get(reverse("documents:summary_pdf", args=[session.pk])).content
    text = read(content).pages[0].extract_text()
    # then the words come back in their drawn right-to-left order, each made of the base letters
    # (the shaped, joined glyphs map back to them), with no isolated presentation forms
    assert "الزهراء فاطمة" in text
    assert not any("\ufe70" <= char <= "\ufeff" for char in text)
    font_names = {str(font.get("/BaseFont")) for font in fonts_of(read(content))}
    assert any("NotoSansArabic" in name for name in font_names), font_names


def test_an_all_latin_document_does_not_embed_the_fallback_fonts(session_of, staff, client_for):
    session = session_of("Zoë", "Ñúñez")
    content = client_for(staff[Role.NURSE]).get(reverse("documents:summary_pdf", args=[session.pk])).content
    font_names = {str(font.get("/BaseFont")) for font in fonts_of(read(content))}
    assert font_names and all("NotoSans" in name and "Arabic" not in name for name in font_names)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Łukasz Dvořák", "Łukasz Dvořák"),  # no more transliteration
        ("王小明 فاطمة Ελένη", "王小明 فاطمة Ελένη"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # typed with combining accents: composed
        ("≥ 2 → ok", ">= 2 -> ok"),  # symbols no embedded font has
        ("emoji 😀 𠀋", f"emoji {MISSING} {MISSING}"),  # nothing blank, nothing raising
        (None, ""),
        (35, "35"),
        ("line\nbreak", "line\nbreak"),
    ],
)
def test_printable_text(given, expected):
    assert printable_text(given) == expected


def test_printable_text_never_raises():
    printable_text("".join(chr(c) for c in range(0x20, 0x30000, 7) if not 0xD800 <= c <= 0xDFFF))
