"""What a reminder says: pure functions, no database.

Fasting rules become clock times in the clinic's zone. The arithmetic is on absolute time (the
aware start minus N hours), so "6 hours before" stays 6 real hours when the clocks change overnight.
The text never names the drug: a text message can show on a locked phone.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

CONFIRM_LINK_PLACEHOLDER = "[confirmation link]"
CRISIS_TEXT = (
    "If you are thinking about harming yourself, help is available now: call or text 988 "
    "(Suicide & Crisis Lifeline), or chat at 988lifeline.org. Veterans: dial 988 and press 1. "
    "In immediate danger, call 911."
)
MEDICATION_TEXT = (
    "Take your usual medications unless your clinician told you otherwise. Tell us about any "
    "change in your medications since your last visit when you confirm."
)
CLEAR_LIQUIDS_EXAMPLES = "water, clear juice without pulp, black tea or coffee without milk"


@dataclass(frozen=True)
class PreparationRules:
    """The clinic's preparation settings, in hours (clinic.reminders.settings)."""

    solids_hours: int = 6
    fatty_food_hours: int = 8
    clear_liquids_hours: int = 2
    no_driving_hours: int = 24
    clothing_text: str = ""


@dataclass(frozen=True)
class FastingTimes:
    """The latest moments (aware, in the clinic's zone) for each kind of intake."""

    solids_until: dt.datetime
    fatty_food_until: dt.datetime | None  # None unless it is earlier than the light-meal time
    clear_liquids_until: dt.datetime


@dataclass(frozen=True)
class Visit:
    """What a reminder says about the visit; times are aware and shown in `tz`."""

    starts_at: dt.datetime
    tz: zoneinfo.ZoneInfo
    kind_label: str
    clinic_name: str
    clinic_address: str = ""
    clinic_phone: str = ""
    room_name: str = ""
    first_name: str = ""

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(self.tz)


def fasting_times(
    *, starts_at: dt.datetime, rules: PreparationRules, tz: zoneinfo.ZoneInfo
) -> FastingTimes:
    """Clock times for the fasting rules before a visit starting at `starts_at`."""
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    start = starts_at.astimezone(dt.UTC)

    def before(hours: int) -> dt.datetime:
        return (start - dt.timedelta(hours=hours)).astimezone(tz)

    fatty = before(rules.fatty_food_hours) if rules.fatty_food_hours > rules.solids_hours else None
    return FastingTimes(
        solids_until=before(rules.solids_hours),
        fatty_food_until=fatty,
        clear_liquids_until=before(rules.clear_liquids_hours),
    )


def clock(moment: dt.datetime, *, visit_day: dt.date) -> str:
    """'03:00' on the visit's day, '20:00 on Mon 5 May' on another day (times in moment's zone)."""
    if moment.date() == visit_day:
        return f"{moment:%H:%M}"
    return f"{moment:%H:%M} on {moment:%a} {moment.day} {moment:%b}"


def visit_when(visit: Visit) -> str:
    """'Tuesday 6 May 2030 at 09:00 EDT'."""
    local = visit.local_start
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M %Z}"


def visit_when_short(visit: Visit) -> str:
    """'Tue 6 May at 09:00'."""
    local = visit.local_start
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def fasting_lines(*, visit: Visit, rules: PreparationRules) -> list[str]:
    """The food and drink rules as sentences with clock times."""
    times = fasting_times(starts_at=visit.starts_at, rules=rules, tz=visit.tz)
    day = visit.local_start.date()
    food = (
        f"Food: no solid food after {clock(times.solids_until, visit_day=day)} "
        f"(a light meal is fine up to {rules.solids_hours} hours before your visit)."
    )
    if times.fatty_food_until is not None:
        food += (
            " Fried or fatty food and meat take longer to digest: none after "
            f"{clock(times.fatty_food_until, visit_day=day)} "
            f"({rules.fatty_food_hours} hours before)."
        )
    drink = (
        f"Drinks: clear liquids ({CLEAR_LIQUIDS_EXAMPLES}) until "
        f"{clock(times.clear_liquids_until, visit_day=day)}, then nothing by mouth "
        f"({rules.clear_liquids_hours} hours before)."
    )
    return [food, drink]


def reminder_email(
    *, visit: Visit, rules: PreparationRules, confirm_link: str = CONFIRM_LINK_PLACEHOLDER
) -> tuple[str, str]:
    """(subject, plain-text body) of the visit reminder."""
    subject = f"Your visit on {visit_when_short(visit)}: how to prepare"
    where = visit.clinic_name
    if visit.clinic_address:
        where += f", {visit.clinic_address}"
    if visit.room_name:
        where += f" ({visit.room_name})"
    greeting = f"Hello {visit.first_name}," if visit.first_name else "Hello,"
    lines = [
        greeting,
        "",
        f"This is a reminder of your {visit.kind_label.lower()} at {visit.clinic_name}.",
        "",
        f"When: {visit_when(visit)}",
        f"Where: {where}",
    ]
    if visit.clinic_phone:
        lines.append(f"Questions or need to change the time: call us on {visit.clinic_phone}.")
    lines += [
        "",
        "Please confirm your preparation and your driver here "
        "(the link works until your visit ends):",
        confirm_link,
        "",
        "Before your visit",
        *[f"- {line}" for line in fasting_lines(visit=visit, rules=rules)],
        f"- Medications: {MEDICATION_TEXT}",
        (
            "- Driver: bring an adult who will take you home. You must not drive, ride a bike or "
            f"operate machinery for {rules.no_driving_hours} hours after the infusion."
        ),
    ]
    if rules.clothing_text:
        lines.append(f"- Clothing: {rules.clothing_text}")
    lines += [
        "",
        CRISIS_TEXT,
        "",
        "If you cannot come, please call us so we can offer the time to someone else.",
        f"{visit.clinic_name}",
    ]
    return subject, "\n".join(lines) + "\n"


def reminder_sms(
    *, visit: Visit, rules: PreparationRules, confirm_link: str = CONFIRM_LINK_PLACEHOLDER
) -> str:
    """A short text: when, the fasting clock times, the driver rule, the link and 988."""
    times = fasting_times(starts_at=visit.starts_at, rules=rules, tz=visit.tz)
    day = visit.local_start.date()
    return (
        f"{visit.clinic_name}: your visit {visit_when_short(visit)}. "
        f"No solid food after {clock(times.solids_until, visit_day=day)}, clear liquids until "
        f"{clock(times.clear_liquids_until, visit_day=day)}. Bring an adult driver; no driving for "
        f"{rules.no_driving_hours} h. Please confirm: {confirm_link} "
        "Crisis: call or text 988."
    )


@dataclass(frozen=True)
class FastingCheck:
    solids_ok: bool
    clear_liquids_ok: bool

    @property
    def ok(self) -> bool:
        return self.solids_ok and self.clear_liquids_ok


def fasting_check(
    *,
    starts_at: dt.datetime,
    last_solid_food_at: dt.datetime,
    last_clear_liquid_at: dt.datetime,
    rules: PreparationRules,
) -> FastingCheck:
    """Whether the stated (or planned) last intake keeps the fasting rules for this start time."""
    return FastingCheck(
        solids_ok=last_solid_food_at <= starts_at - dt.timedelta(hours=rules.solids_hours),
        clear_liquids_ok=last_clear_liquid_at
        <= starts_at - dt.timedelta(hours=rules.clear_liquids_hours),
    )
