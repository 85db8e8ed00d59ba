"""PDF rendering with fpdf2 (pure Python; docs/decisions/0005-pdf-library.md).

Three documents, each a function from the selectors' facts to PDF bytes:
- `after_visit_summary_pdf(summary)`: for the patient;
- `referral_letter_pdf(summary, prepared_by=)`: the same facts addressed to the referring clinician;
- `flowsheet_pdf(flowsheet)`: the session record (landscape table + the vitals chart in lines).

Every document embeds its fonts (Noto Sans, with Arabic and CJK fallbacks; clinic/documents/text.py),
shapes right-to-left Arabic with HarfBuzz, states its language and is written as PDF/A-2u (archival,
every character mapped to Unicode). Letter paper: the clinics are in the US.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from fpdf import FPDF
from fpdf.enums import DocumentCompliance, XPos, YPos
from fpdf.fonts import FontFace

from clinic.core.display import display_quantity
from clinic.documents.charts import vitals_chart_layout
from clinic.documents.selectors import AfterVisitSummary, Flowsheet, discharge_advice
from clinic.documents.text import MAIN_FONT, fallback_family_for, printable_text

FONT = MAIN_FONT.name
# PDF/A-2u: fonts embedded, sRGB output intent, XMP metadata, every glyph mapped to Unicode.
COMPLIANCE = DocumentCompliance.PDFA_2U
CONFIDENTIAL = "Confidential health information."

# fontTools logs every embedded subset at INFO (dozens of lines per PDF): keep the console readable.
logging.getLogger("fontTools").setLevel(logging.WARNING)


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _time(moment: dt.datetime | None, tz) -> str:
    return moment.astimezone(tz).strftime("%H:%M") if moment else "-"


def _date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def document_language() -> str:
    """The documents' language as a BCP 47 tag ("en-US"): the language the clinic runs in."""
    language, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{language}-{region.upper()}" if region else language


class ClinicPDF(FPDF):
    """A page with the clinic's name and the document title on top, page numbers below.

    Text is shaped (HarfBuzz: Arabic joined and right-to-left); a character the main font lacks is
    drawn from the first fallback font that has it, registered the first time it is needed."""

    def __init__(self, *, title: str, clinic_name: str, orientation: str = "P"):
        super().__init__(orientation=orientation, unit="mm", format="letter", enforce_compliance=COMPLIANCE)
        for style in MAIN_FONT.files:
            self.add_font(MAIN_FONT.name, style, MAIN_FONT.path(style))
        self._fallback_names: list[str] = []
        self.set_text_shaping(use_shaping_engine=True)
        self.doc_title = title
        self.clinic_name = clinic_name
        self.set_lang(document_language())
        self.set_title(title)
        self.set_author(clinic_name)
        self.set_creator("ketaclinic")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.alias_nb_pages()
        self.add_page()

    def normalize_text(self, text: str) -> str:
        # Every string drawn (cells, tables, header, footer) passes here.
        return super().normalize_text(printable_text(text))

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        family = fallback_family_for(char)
        if family is None:
            return None
        if family.name not in self._fallback_names:
            for font_style in family.files:
                self.add_font(family.name, font_style, family.path(font_style))
            self._fallback_names.append(family.name)
            # Bold text in a family without a bold file uses its regular weight.
            self.set_fallback_fonts(self._fallback_names, exact_match=False)
        return super().get_fallback_font(char, style)

    def header(self):
        self.set_font(FONT, "B", 9)
        self.set_text_color(90, 103, 118)
        self.cell(0, 5, self.clinic_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(216, 222, 230)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(4)
        self.set_text_color(29, 39, 51)

    def footer(self):
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(90, 103, 118)
        self.cell(0, 5, f"{self.doc_title} - {CONFIDENTIAL}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(29, 39, 51)

    # Building blocks -------------------------------------------------------------------------

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FONT, "B", 17)
        self.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if subtitle:
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 5, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 12)
        self.set_text_color(31, 95, 139)
        self.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(29, 39, 51)

    def para(self, text: str, size: float = 10, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, rows: list[tuple[str, str]], label_width: float = 48) -> None:
        for label, value in rows:
            self.set_font(FONT, "B", 10)
            self.cell(label_width, 5.5, label)
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 5.5, value or "-", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullets(self, lines: list[str], empty: str = "") -> None:
        self.set_font(FONT, "", 10)
        if not lines and empty:
            self.multi_cell(0, 5, empty, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for line in lines:
            self.set_x(self.l_margin + 2)
            self.cell(4, 5, "-")
            self.multi_cell(0, 5, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# --- After-visit summary and the referring clinician's letter -------------------------------------


def _given_rows(summary: AfterVisitSummary) -> list[tuple[str, str]]:
    tz = summary.tz
    duration = (
        f"{summary.infusion_minutes} min "
        f"({_time(summary.started_at, tz)} to {_time(summary.stopped_at, tz)}); "
        f"planned {summary.planned_duration_min} min"
        if summary.infusion_minutes is not None
        else f"planned {summary.planned_duration_min} min"
    )
    rows = [
        ("Medicine", summary.drug + (f" ({summary.product})" if summary.product else "")),
        (
            "Dose ordered",
            f"{display_quantity(summary.ordered_dose_mg, 'mg')} ({summary.ordered_per_kg} for "
            f"{display_quantity(summary.dosing_weight_kg, 'kg')})",
        ),
        ("Dose delivered", display_quantity(summary.delivered_mg, "mg")),
        ("Infusion time", duration),
        ("Treatment", f"{summary.protocol_name}: {summary.course_position}"),
    ]
    if summary.stop_reason:
        rows.append(("Stopped", summary.stop_reason))
    return rows


def _how_it_went(pdf: ClinicPDF, summary: AfterVisitSummary) -> None:
    tz = summary.tz
    pdf.heading("How it went")
    pdf.facts([("Highest blood pressure", summary.highest_bp or "-")])
    pdf.para("Side effects:", style="B")
    pdf.bullets(
        [f"{_time(line.at, tz)} {line.text}" for line in summary.side_effects], empty="None recorded."
    )
    pdf.para("Medicine given for side effects (rescue medication):", style="B")
    pdf.bullets([f"{_time(line.at, tz)} {line.text}" for line in summary.rescue_medications], empty="None.")


def _discharge_rows(summary: AfterVisitSummary) -> list[tuple[str, str]]:
    discharged = summary.local(summary.discharged_at)
    return [
        ("Discharged", f"{discharged:%H:%M}" if discharged else "Not yet discharged"),
        ("Driver", summary.driver_name or "-"),
    ]


def _next_visit(summary: AfterVisitSummary) -> str:
    visit = summary.next_appointment
    if visit is None:
        return "No visit booked yet: the clinic will call you, or call us to book."
    local = visit.starts_at.astimezone(summary.tz)
    return f"{_date(local.date())} at {local:%H:%M} ({visit.get_kind_display()})"


def after_visit_summary_pdf(summary: AfterVisitSummary) -> bytes:
    """The patient's after-visit summary as PDF bytes."""
    patient = summary.patient
    pdf = ClinicPDF(title="After-visit summary", clinic_name=summary.clinic.name)
    pdf.title_block(
        "Your infusion today",
        f"{summary.clinic.name}"
        + (f", {summary.clinic_address}" if summary.clinic_address else "")
        + (f" - {summary.clinic_phone}" if summary.clinic_phone else ""),
    )
    pdf.facts(
        [
            ("Patient", patient.full_name),
            ("Date of birth", f"{patient.date_of_birth:%Y-%m-%d}"),
            ("Record number", patient.record_number),
            ("Visit", _date(summary.visit_date)),
        ]
    )
    pdf.heading("What you were given")
    pdf.facts(_given_rows(summary))
    _how_it_went(pdf, summary)
    pdf.heading("Going home")
    pdf.facts(_discharge_rows(summary))
    for heading, lines in discharge_advice(summary):
        pdf.para(heading, style="B")
        pdf.bullets(lines)
    pdf.heading("Your next appointment")
    pdf.para(_next_visit(summary))
    pdf.ln(3)
    pdf.para("In a crisis call or text 988 (Suicide & Crisis Lifeline). In an emergency call 911.", style="B")
    return bytes(pdf.output())


def referral_letter_pdf(summary: AfterVisitSummary, *, prepared_by: str, prepared_at: dt.datetime) -> bytes:
    """The summary addressed to the patient's referring clinician (name and practice from the chart)."""
    patient = summary.patient
    pdf = ClinicPDF(title="Infusion summary for the referring clinician", clinic_name=summary.clinic.name)
    pdf.title_block(
        "Ketamine infusion summary",
        f"From {summary.clinic.name}"
        + (f", {summary.clinic_address}" if summary.clinic_address else "")
        + (f" - {summary.clinic_phone}" if summary.clinic_phone else ""),
    )
    recipient = patient.referring_clinician_name or "The referring clinician"
    pdf.facts(
        [
            (
                "To",
                recipient
                + (
                    f", {patient.referring_clinician_practice}"
                    if patient.referring_clinician_practice
                    else ""
                ),
            ),
            (
                "Patient",
                f"{patient.full_name}, born {patient.date_of_birth:%Y-%m-%d} ({patient.record_number})",
            ),
            ("Infusion date", _date(summary.visit_date)),
        ]
    )
    pdf.ln(2)
    pdf.para(
        f"Dear {patient.referring_clinician_name or 'colleague'},\n"
        f"your patient received a supervised intravenous ketamine infusion at our clinic on "
        f"{_date(summary.visit_date)}. The details are below."
    )
    pdf.heading("Infusion")
    pdf.facts(_given_rows(summary))
    _how_it_went(pdf, summary)
    if summary.vital_alerts:
        pdf.para("Vital-sign alerts:", style="B")
        pdf.bullets([f"{_time(line.at, summary.tz)} {line.text}" for line in summary.vital_alerts])
    pdf.heading("Recovery and discharge")
    rows = _discharge_rows(summary)
    if summary.discharge_score:
        rows.append(("Discharge score", summary.discharge_score))
    rows.append(("Next visit", _next_visit(summary)))
    pdf.facts(rows)
    pdf.ln(4)
    pdf.para(
        "Please contact us with any questions"
        + (f" at {summary.clinic_phone}" if summary.clinic_phone else "")
        + "."
    )
    local = prepared_at.astimezone(summary.tz)
    pdf.para(f"Prepared by {prepared_by}, {_date(local.date())} {local:%H:%M}.", size=9)
    return bytes(pdf.output())


# --- Flowsheet ------------------------------------------------------------------------------------


def draw_vitals_chart(
    pdf: FPDF, flowsheet: Flowsheet, *, x: float, y: float, width: float, height: float
) -> None:
    """The vitals chart drawn with fpdf2 lines from the same layout the SVG uses (units: mm)."""
    layout = vitals_chart_layout(
        flowsheet.points,
        limits=flowsheet.limits,
        tz=flowsheet.tz,
        markers=flowsheet.markers,
        width=width,
        height=height,
        margins=(11, 3, 3, 11),
    )

    def at(px: float, py: float) -> tuple[float, float]:
        return x + px, y + py

    pdf.set_line_width(0.2)
    if layout.empty:
        pdf.set_font(FONT, "I", 9)
        pdf.set_xy(x, y + height / 2)
        pdf.cell(width, 5, "No vital signs recorded.", align="C")
        return
    pdf.set_font(FONT, "", 7)
    pdf.set_draw_color(216, 222, 230)
    for tick in layout.y_ticks:
        pdf.line(*at(layout.plot_left, tick.position), *at(layout.plot_right, tick.position))
        pdf.set_xy(x, y + tick.position - 2)
        pdf.cell(layout.plot_left - 1.5, 4, tick.label, align="R")
    pdf.set_draw_color(90, 103, 118)
    for tick in layout.x_ticks:
        pdf.line(*at(tick.position, layout.plot_bottom), *at(tick.position, layout.plot_bottom + 1.5))
        pdf.set_xy(x + tick.position - 8, y + layout.plot_bottom + 1.5)
        pdf.cell(16, 4, tick.label, align="C")
    pdf.rect(
        x + layout.plot_left,
        y + layout.plot_top,
        layout.plot_right - layout.plot_left,
        layout.plot_bottom - layout.plot_top,
    )
    for line in layout.limits:
        pdf.set_draw_color(*_hex(line.color))
        pdf.set_text_color(*_hex(line.color))
        pdf.set_dash_pattern(dash=1.5, gap=1)
        pdf.line(*at(line.x1, line.y1), *at(line.x2, line.y2))
        pdf.set_dash_pattern()
        if line.label_at_start:
            pdf.set_xy(x + line.x1 + 1, y + line.y1 - 3.5)
            pdf.cell(40, 3.5, line.label, align="L")
        else:
            pdf.set_xy(x + line.x2 - 41, y + line.y1 - 3.5)
            pdf.cell(40, 3.5, line.label, align="R")
    for line in layout.markers:
        pdf.set_draw_color(*_hex(line.color))
        pdf.set_text_color(*_hex(line.color))
        pdf.set_dash_pattern(dash=0.6, gap=0.8)
        pdf.line(*at(line.x1, line.y1), *at(line.x2, line.y2))
        pdf.set_dash_pattern()
        if line.x1 > layout.plot_right - 20:
            pdf.set_xy(x + line.x1 - 20.5, y + layout.plot_bottom - 3.5)
            pdf.cell(20, 3, line.label, align="R")
        else:
            pdf.set_xy(x + line.x1 + 0.5, y + layout.plot_bottom - 3.5)
            pdf.cell(20, 3, line.label)
    legend_x = x + layout.plot_left
    pdf.set_line_width(0.5)
    for series in layout.series:
        pdf.set_draw_color(*_hex(series.color))
        pdf.set_fill_color(*_hex(series.color))
        if series.dashed:
            pdf.set_dash_pattern(dash=1.2, gap=0.8)
        pdf.polyline([at(px, py) for px, py in series.points])
        pdf.line(legend_x, y + height - 1.5, legend_x + 6, y + height - 1.5)
        pdf.set_dash_pattern()
        for px, py in series.points:
            cx, cy = at(px, py)
            pdf.ellipse(cx - 0.6, cy - 0.6, 1.2, 1.2, style="F")
        pdf.set_text_color(29, 39, 51)
        pdf.set_xy(legend_x + 7, y + height - 3.3)
        pdf.cell(30, 3.5, series.name)
        legend_x += 38
    pdf.set_line_width(0.2)
    pdf.set_text_color(29, 39, 51)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)


FLOWSHEET_COLUMNS = (
    ("Time", 12),
    ("Phase", 20),
    ("BP mm Hg", 17),
    ("HR bpm", 11),
    ("SpO2 %", 11),
    ("RR /min", 11),
    ("Temp °C", 11),
    ("Pump events", 36),
    ("Side effects", 27),
    ("Rescue meds", 25),
    ("Ratings", 24),
    ("Alerts and acknowledgements", 38),
)


def flowsheet_pdf(flowsheet: Flowsheet) -> bytes:
    """The session record: header facts, the vitals chart and the flowsheet table (landscape)."""
    session = flowsheet.session
    patient = session.patient
    tz = flowsheet.tz
    order = session.order
    pdf = ClinicPDF(
        title=f"Infusion flowsheet, session {session.pk}", clinic_name=session.clinic.name, orientation="L"
    )
    pdf.set_margins(12, 14, 12)
    day = session.checked_in_at.astimezone(tz).date()
    pdf.title_block(
        f"Infusion flowsheet: {patient.full_name} ({patient.record_number})",
        f"{_date(day)} - {session.chair.name} - born {patient.date_of_birth:%Y-%m-%d} - "
        f"{order.course.protocol.name}: {display_quantity(order.dose_mg, 'mg')} over "
        f"{display_quantity(order.duration_min, 'min')} at {display_quantity(order.rate_ml_h, 'ml_per_h')} - "
        f"delivered {display_quantity(flowsheet.state.delivered_mg, 'mg')} - "
        f"status {session.get_status_display().lower()} - times in {session.clinic.timezone}",
    )
    limits = flowsheet.limits
    pdf.para(
        f"Limits: pause above {limits.pause_sbp}/{limits.pause_dbp} mm Hg, stop above "
        f"{limits.stop_sbp}/{limits.stop_dbp} mm Hg, heart rate {limits.hr_min}-{limits.hr_max} bpm, "
        f"SpO2 at least {flowsheet.config.limits.spo2_min} %.",
        size=8,
    )
    chart_height = 62.0
    if pdf.get_y() + chart_height > pdf.h - 20:
        pdf.add_page()
    top = pdf.get_y() + 1
    draw_vitals_chart(
        pdf, flowsheet, x=pdf.l_margin, y=top, width=pdf.w - pdf.l_margin - pdf.r_margin, height=chart_height
    )
    pdf.set_xy(pdf.l_margin, top + chart_height + 3)
    pdf.set_font(FONT, "", 7.5)
    widths = tuple(w for _, w in FLOWSHEET_COLUMNS)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        line_height=3.6,
        text_align="LEFT",
        first_row_as_headings=True,
        repeat_headings=1,
        padding=0.8,
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 235, 241)),
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        heading = table.row()
        for name, _ in FLOWSHEET_COLUMNS:
            heading.cell(name)
        if not flowsheet.rows:
            row = table.row()
            row.cell("Nothing charted yet.", colspan=len(FLOWSHEET_COLUMNS))
        for flow in flowsheet.rows:
            vital = flow.vital
            row = table.row()
            cells = [
                f"{flow.at.astimezone(tz):%H:%M}",
                flow.phase,
                f"{vital.sbp}/{vital.dbp}" if vital else "",
                str(vital.hr) if vital else "",
                str(vital.spo2) if vital else "",
                str(vital.rr) if vital else "",
                f"{vital.temp_c}" if vital and vital.temp_c is not None else "",
                "; ".join(flow.events),
                "; ".join(flow.side_effects),
                "; ".join(flow.rescue),
                "; ".join(flow.ratings),
                "; ".join(flow.alerts),
            ]
            for text in cells:
                row.cell(text)
    pdf.ln(3)
    pdf.para(
        "Charted by: " + ", ".join(sorted({name for flow in flowsheet.rows for name in flow.by})), size=8
    )
    return bytes(pdf.output())
