"""Text for PDFs drawn with fpdf2's core fonts (Helvetica), which cover Latin-1 only.

A Unicode TTF would need a font file that neither fpdf2 nor a fresh Debian install reliably
provides (docs/decisions/0005-pdf-library.md), so text is made Latin-1-safe instead: Latin-1
letters stay as they are ("Zoë Ñúñez"), typographic punctuation becomes its ASCII twin, other
accented letters lose the accent ("Łukasz Dvořák" → "Lukasz Dvorak"), and anything else
becomes "?". Never an exception: a name must not stop a discharge document from printing.
"""

import unicodedata

# Characters outside Latin-1 with a readable replacement (NFKD does not decompose these).
REPLACEMENTS = {
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": ",",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2026": "...",
    "\u2022": "\u00b7",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2192": "->",
    "\u2190": "<-",
    "\u21c4": "<->",
    "\u2191": "up",
    "\u2193": "down",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0126": "H",
    "\u0127": "h",
    "\u0131": "i",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u0166": "T",
    "\u0167": "t",
    "\u014a": "N",
    "\u014b": "n",
    "\u0138": "k",
    "\u017f": "s",
    "\u0192": "f",
    "\u02bc": "'",
    "\u2082": "2",
    "\u2083": "3",
}


def pdf_safe(text) -> str:
    """`text` as a string every core PDF font can draw (Latin-1), readable and never raising."""
    if text is None:
        return ""
    out: list[str] = []
    for char in str(text):
        if char in REPLACEMENTS:
            out.append(REPLACEMENTS[char])
        elif char in "\n\t" or (" " <= char <= "\u00ff" and not "\u007f" <= char <= "\u009f"):
            out.append(char)
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if base and all(" " <= c <= "\u00ff" for c in base):
                out.append(base)
            else:
                out.append("?")
    return "".join(out)
