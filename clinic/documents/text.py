"""Fonts and text for the PDFs (docs/decisions/0005-pdf-library.md).

The documents embed Noto Sans (Latin with every accent, Greek, Cyrillic) and fall back, one
character at a time, to Noto Sans Arabic and Droid Sans Fallback (Chinese, Japanese, Korean); the
files and their licences are in `clinic/documents/fonts/`. Fallback fonts are read only when a
document has a character that needs them, so an all-Latin summary does not pay for the 3 MB CJK font.

`printable_text` is the one place text is made drawable: NFC (a name typed with combining accents
prints with the accented letters the fonts have), readable ASCII twins for the few symbols no
embedded font has (`≥` → `>=`), and `?` for anything else no font has (a rare ideograph, an emoji)
instead of a missing or blank glyph. It never raises: a name must not stop a discharge document.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
MISSING = "?"


@dataclass(frozen=True)
class FontFamily:
    """A font family as fpdf2 registers it: its name and one file per style ("" regular, "B" bold)."""

    name: str
    files: dict[str, str] = field(hash=False)

    def path(self, style: str) -> Path:
        return FONT_DIR / self.files[style]


MAIN_FONT = FontFamily("notosans", {"": "NotoSans-Regular.ttf", "B": "NotoSans-Bold.ttf"})
FALLBACK_FONTS = (
    FontFamily("notosansarabic", {"": "NotoSansArabic-Regular.ttf", "B": "NotoSansArabic-Bold.ttf"}),
    # One weight only: bold CJK text prints regular (fonts/README.md).
    FontFamily("droidsansfallback", {"": "DroidSansFallback.ttf"}),
)

# Symbols our own texts use that none of the embedded fonts has, with a readable twin.
REPLACEMENTS = {
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2192": "->",
    "\u2190": "<-",
    "\u21c4": "<->",
    "\u2191": "up",
    "\u2193": "down",
    "\u2713": "yes",
    "\u2714": "yes",
    "\u2219": "\u00b7",
    "\u2212": "-",
}


@functools.cache
def family_codepoints(family: FontFamily) -> frozenset[int]:
    """The characters a family can draw (from its regular file's cmap; the bold files match)."""
    with TTFont(family.path(""), lazy=True) as font:
        return frozenset(font.getBestCmap())


def fallback_family_for(char: str) -> FontFamily | None:
    """The first fallback family that has `char`, or None."""
    code = ord(char)
    return next((family for family in FALLBACK_FONTS if code in family_codepoints(family)), None)


def _drawable(char: str) -> bool:
    code = ord(char)
    return code in family_codepoints(MAIN_FONT) or any(
        code in family_codepoints(family) for family in FALLBACK_FONTS
    )


def printable_text(text) -> str:
    """`text` as a string the embedded fonts can draw: never raising, nothing silently blank."""
    if text is None:
        return ""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", str(text)):
        if char in "\n\t" or _drawable(char):
            out.append(char)
        elif char in REPLACEMENTS:
            out.append(REPLACEMENTS[char])
        elif unicodedata.category(char) in ("Cc", "Cf"):
            # Control and invisible format characters (e.g. a stray bidi mark) print as nothing.
            continue
        else:
            out.append(MISSING)
    return "".join(out)
