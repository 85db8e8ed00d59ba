import pytest

from clinic.documents.text import pdf_safe


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Zoë Ñúñez", "Zoë Ñúñez"),  # Latin-1 stays as it is
        ("Łukasz Dvořák", "Lukasz Dvorák"),
        ("Ćwik — 5 mg ≥ 2 “ok” …", 'Cwik - 5 mg >= 2 "ok" ...'),
        ("Œuvre", "OEuvre"),
        ("王小明", "???"),
        ("ｆｕｌｌ", "full"),
        (None, ""),
        (35, "35"),
        ("line\nbreak", "line\nbreak"),
    ],
)
def test_pdf_safe(given, expected):
    assert pdf_safe(given) == expected


def test_every_result_is_latin_1():
    text = "".join(chr(c) for c in range(0x20, 0x3000))
    pdf_safe(text).encode("latin-1")
