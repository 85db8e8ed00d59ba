"""The clinic's protocol library: create, revise (a new version), and seed the standard set.

The standard set's numbers come from ../shared/domain.md; each protocol keeps its sources in
`Protocol.sources` so the protocol page shows where every default came from.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.models import Clinic
from clinic.treatment.models import DosingMode, Protocol, ProtocolKind, StockedProduct, WeightBasis

PROTOCOL_SUPERSEDED = "This version has already been replaced; edit the current version."
CHANGE_REASON_REQUIRED = "Give a reason for the change (kept with the new version)."
USUAL_RANGE_ORDER = "The low end of the usual range must not be above the high end."
DURATION_ORDER = "The default duration must lie between the shortest and longest durations."
DEFAULT_OVER_MAX = "The default dose is above the protocol's maximum."
SERIES_WINDOW_ORDER = "The shortest series window must not be longer than the longest."
POSITIVE_REQUIRED = "Must be more than 0."
CODE_TAKEN = "A protocol with this code already exists at this clinic."
STERILE_WATER_REASON_REQUIRED = (
    "Give the reason this protocol allows sterile water as the diluent of an infusion bag "
    "(it is hypotonic; the Ketalar label's infusion recipes use NS or D5W)."
)

# The fields a clinic edits; everything else (version, supersedes, clinic) the service sets.
PROTOCOL_FIELDS = (
    "name",
    "code",
    "kind",
    "dosing_mode",
    "default_dose",
    "default_duration_min",
    "duration_min_min",
    "duration_max_min",
    "usual_range_low",
    "usual_range_high",
    "max_mg_per_kg_per_session",
    "max_mg_per_kg_per_hour",
    "max_total_mg_per_session",
    "minimum_total_mg",
    "minimum_total_over_min",
    "weight_basis",
    "weight_cap_kg",
    "infusions_in_series",
    "series_window_min_days",
    "series_window_max_days",
    "minimum_gap_hours",
    "visit_length_min",
    "vitals_every_min_during",
    "vitals_every_min_after",
    "sterile_water_allowed",
    "sterile_water_reason",
    "sources",
    "is_active",
)


def protocol_validate(fields: dict[str, Any]) -> None:
    """Cross-field checks of a protocol's numbers; raises ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    for name in (
        "default_dose",
        "usual_range_low",
        "usual_range_high",
        "max_mg_per_kg_per_session",
        "max_mg_per_kg_per_hour",
        "max_total_mg_per_session",
        "default_duration_min",
        "duration_min_min",
        "duration_max_min",
        "visit_length_min",
    ):
        value = fields.get(name)
        if value is not None and value <= 0:
            errors.setdefault(name, []).append(POSITIVE_REQUIRED)
    if fields["usual_range_low"] > fields["usual_range_high"]:
        errors.setdefault("usual_range_low", []).append(USUAL_RANGE_ORDER)
    if not fields["duration_min_min"] <= fields["default_duration_min"] <= fields["duration_max_min"]:
        errors.setdefault("default_duration_min", []).append(DURATION_ORDER)
    if fields["dosing_mode"] == DosingMode.FIXED_DOSE_OVER_TIME:
        over = fields["default_dose"] > fields["max_mg_per_kg_per_session"]
    else:
        over = fields["default_dose"] > fields["max_mg_per_kg_per_hour"]
    if over:
        errors.setdefault("default_dose", []).append(DEFAULT_OVER_MAX)
    if fields["series_window_min_days"] > fields["series_window_max_days"]:
        errors.setdefault("series_window_min_days", []).append(SERIES_WINDOW_ORDER)
    if fields.get("sterile_water_allowed") and not (fields.get("sterile_water_reason") or "").strip():
        errors.setdefault("sterile_water_reason", []).append(STERILE_WATER_REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)


def protocol_create(*, clinic: Clinic, created_by, **fields) -> Protocol:
    """A new protocol (version 1) in the clinic's library."""
    data = {name: fields.get(name) for name in PROTOCOL_FIELDS if name in fields}
    data.setdefault("is_active", True)
    protocol_validate({**_defaults(), **data})
    with transaction.atomic():
        if Protocol.objects.filter(clinic=clinic, code=data["code"]).exists():
            raise ValidationError({"code": [CODE_TAKEN]})
        protocol = Protocol.objects.create(clinic=clinic, created_by=created_by, version=1, **data)
        audit_record(
            action=AuditAction.CREATE,
            actor=created_by,
            clinic=clinic,
            obj=protocol,
            summary=f"Protocol {protocol.code} v1 created",
            after=model_snapshot(protocol),
        )
    return protocol


def protocol_revise(*, protocol: Protocol, revised_by, change_reason: str, **fields) -> Protocol:
    """Save an edit as a new version that supersedes `protocol`; the old version is retired.

    Courses and orders keep pointing at the version they were signed under.
    """
    if not (change_reason or "").strip():
        raise ValidationError({"change_reason": [CHANGE_REASON_REQUIRED]})
    data = {name: getattr(protocol, name) for name in PROTOCOL_FIELDS}
    data.update({name: value for name, value in fields.items() if name in PROTOCOL_FIELDS})
    data["code"] = protocol.code  # the code names the protocol across versions
    protocol_validate(data)
    with transaction.atomic():
        current = Protocol.objects.select_for_update().get(pk=protocol.pk)
        if Protocol.objects.filter(supersedes=current).exists():
            raise ValidationError(PROTOCOL_SUPERSEDED, code="superseded")
        before = model_snapshot(current)
        Protocol.objects.filter(pk=current.pk).update(is_active=False)
        new = Protocol.objects.create(
            clinic=current.clinic,
            created_by=revised_by,
            version=current.version + 1,
            supersedes=current,
            change_reason=change_reason.strip(),
            **data,
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=revised_by,
            clinic=current.clinic,
            obj=new,
            summary=f"Protocol {new.code} v{new.version} replaces v{current.version}",
            before=before,
            after=model_snapshot(new),
            extra={"change_reason": new.change_reason, "supersedes_id": current.pk},
        )
    return new


def _defaults() -> dict[str, Any]:
    return {
        "minimum_total_mg": None,
        "minimum_total_over_min": None,
        "weight_cap_kg": None,
        "series_window_min_days": 0,
        "series_window_max_days": 0,
        "sterile_water_allowed": False,
        "sterile_water_reason": "",
    }


# --- The standard library ---------------------------------------------------------------------

MAX_TOTAL_SOURCE = (
    "Max total 200 mg per session: clinic setting; the sources ask for such a limit but give no "
    "number (no domain.md number: §1.5); set by the medical director."
)
VITALS_SOURCE = "Vitals q10 min during, q15 min after (§3.1 [Dunlop2018]; suggested defaults)."
WEIGHT_SOURCE = "Actual body weight: trials dose on actual weight (§1.3 [Dunlop2018])."

STANDARD_PROTOCOLS: tuple[dict[str, Any], ...] = (
    {
        "name": "Mood induction series",
        "code": "mood-induction",
        "kind": ProtocolKind.MOOD_INDUCTION,
        "dosing_mode": DosingMode.FIXED_DOSE_OVER_TIME,
        "default_dose": Decimal("0.5"),  # §1.1 [V] [Andrade2017a], [Fava2020], [Singh2016]
        "default_duration_min": 40,  # §1.1
        "duration_min_min": 30,
        "duration_max_min": 100,  # §1.1: sessions of 2–100 min reported
        "usual_range_low": Decimal("0.1"),  # §1.1 rule suggestion: warn outside 0.1–1.0 mg/kg
        "usual_range_high": Decimal("1.0"),
        "max_mg_per_kg_per_session": Decimal("1.0"),  # §1.1/§1.5 mood ceiling ~0.75–1.0 mg/kg
        "max_mg_per_kg_per_hour": Decimal("2.0"),  # §1.5 outpatient ceiling [Cohen2018]
        "max_total_mg_per_session": Decimal("200"),  # clinic setting, no domain.md number
        "weight_basis": WeightBasis.ACTUAL,
        "infusions_in_series": 6,  # §1.2 [U] [Murrough2013]; [V] [Singh2016] 2–3×/week
        "series_window_min_days": 14,
        "series_window_max_days": 21,
        "minimum_gap_hours": 44,  # [U] product default from the Mon/Wed/Fri pattern of §1.2
        "visit_length_min": 120,  # §1.2 clinic example: 40–50 min + 30–60 min recovery
        "vitals_every_min_during": 10,
        "vitals_every_min_after": 15,
        "sources": "\n".join(
            (
                "0.5 mg/kg IV over 40 min: §1.1 [V] [Andrade2017a], [Fava2020], [Singh2016].",
                "Warn outside 0.1–1.0 mg/kg; hard stop above 1.0 mg/kg per session (§1.1, §1.5 "
                "[Andrade2017a], [Fava2020]); 2 mg/kg/h hourly ceiling (§1.5 [Cohen2018]).",
                "Durations 30–100 min allowed: sessions of 2–100 min are reported, 40 min "
                "conventional (§1.1 [Andrade2017a]); the 30 min floor is a product default.",
                "6 infusions over 14–21 days: §1.2 [U] [Murrough2013] (6 infusions over 12 days, "
                "numbers not re-verified); [V] [Singh2016] 2–3 infusions a week.",
                "Minimum 44 h between infusions: [U] product default from the Mon/Wed/Fri pattern "
                "(§1.2), not a literature number.",
                "Visit 120 min incl. recovery: a clinic's example of 40–50 min + 30–60 min (§1.2).",
                VITALS_SOURCE,
                WEIGHT_SOURCE,
                MAX_TOTAL_SOURCE,
            )
        ),
    },
    {
        "name": "Chronic pain — CRPS",
        "code": "pain-crps",
        "kind": ProtocolKind.PAIN,
        "dosing_mode": DosingMode.RATE_PER_HOUR,
        "default_dose": Decimal("0.35"),  # §1.4 [V] [Cohen2018] CRPS regimen
        "default_duration_min": 240,
        "duration_min_min": 120,
        "duration_max_min": 300,  # §1.4: regimens of 17 min–5 h
        "usual_range_low": Decimal("0.35"),
        "usual_range_high": Decimal("2.0"),  # §1.4 infusion rate 0.5–2 mg/kg/h
        "max_mg_per_kg_per_session": Decimal("8.0"),  # 2 mg/kg/h × 4 h (derived, §1.5)
        "max_mg_per_kg_per_hour": Decimal("2.0"),  # §1.5 outpatient pain [Cohen2018]
        "max_total_mg_per_session": Decimal("200"),
        "minimum_total_mg": Decimal("80"),  # §1.4 ≥ 80 mg over > 2 h
        "minimum_total_over_min": 120,
        "weight_basis": WeightBasis.ACTUAL,
        "infusions_in_series": 10,  # §1.4 CRPS: 4 h daily for 10 days
        "series_window_min_days": 10,
        "series_window_max_days": 14,
        "minimum_gap_hours": 20,  # daily infusions; product default
        "visit_length_min": 300,  # 4 h infusion + 60 min recovery (product default)
        "vitals_every_min_during": 10,
        "vitals_every_min_after": 15,
        "sources": "\n".join(
            (
                "0.35 mg/kg/h over 4 h daily for 10 days: CRPS regimen, grade B (§1.4 [V] [Cohen2018]).",
                "Infusion rate 0.5–2 mg/kg/h (§1.4, grade C, low); usual range starts at the CRPS "
                "0.35 mg/kg/h; hard stop above 2 mg/kg/h outpatient (§1.5 [Cohen2018]).",
                "Per-session ceiling 8 mg/kg = 2 mg/kg/h × 4 h, from the outpatient hourly ceiling "
                "(§1.5 [Cohen2018]).",
                "Total ≥ 80 mg over > 2 h for dose-response (§1.4, grade C, low); the consensus also "
                "advises starting with a single outpatient infusion and reassessing.",
                "Durations 120–300 min: published regimens run 17 min–5 h (§1.4); the floor keeps the > 2 h "
                "criterion (product default). 20 h minimum gap and 60 min recovery: product "
                "defaults.",
                VITALS_SOURCE,
                WEIGHT_SOURCE,
                MAX_TOTAL_SOURCE,
            )
        ),
    },
    {
        "name": "Headache",
        "code": "headache",
        "kind": ProtocolKind.HEADACHE,
        "dosing_mode": DosingMode.RATE_PER_HOUR,
        "default_dose": Decimal("0.5"),  # clinic setting; no domain.md source
        "default_duration_min": 120,
        "duration_min_min": 60,
        "duration_max_min": 240,
        "usual_range_low": Decimal("0.5"),
        "usual_range_high": Decimal("2.0"),
        "max_mg_per_kg_per_session": Decimal("4.0"),  # 2 mg/kg/h × 2 h (derived)
        "max_mg_per_kg_per_hour": Decimal("2.0"),  # §1.5
        "max_total_mg_per_session": Decimal("200"),
        "weight_basis": WeightBasis.ACTUAL,
        "infusions_in_series": 1,
        "series_window_min_days": 0,
        "series_window_max_days": 0,
        "minimum_gap_hours": 20,
        "visit_length_min": 180,
        "vitals_every_min_during": 10,
        "vitals_every_min_after": 15,
        "sources": "\n".join(
            (
                "0.5 mg/kg/h over 2 h, single infusion: a conservative clinic setting with NO "
                "domain.md source — migraine/headache has weak or no evidence (§1.4 [Cohen2018], "
                "grade D, low). The medical director must review it.",
                "Hard stop above 2 mg/kg/h (§1.5 [Cohen2018]); usual range 0.5–2 mg/kg/h (§1.4).",
                "No minimum total: the 80 mg criterion (§1.4) is a pain dose-response finding, "
                "not a headache one.",
                VITALS_SOURCE,
                WEIGHT_SOURCE,
                MAX_TOTAL_SOURCE,
            )
        ),
    },
    {
        "name": "Booster / maintenance",
        "code": "booster",
        "kind": ProtocolKind.BOOSTER,
        "dosing_mode": DosingMode.FIXED_DOSE_OVER_TIME,
        "default_dose": Decimal("0.5"),
        "default_duration_min": 40,
        "duration_min_min": 30,
        "duration_max_min": 100,
        "usual_range_low": Decimal("0.1"),
        "usual_range_high": Decimal("1.0"),
        "max_mg_per_kg_per_session": Decimal("1.0"),
        "max_mg_per_kg_per_hour": Decimal("2.0"),
        "max_total_mg_per_session": Decimal("200"),
        "weight_basis": WeightBasis.ACTUAL,
        "infusions_in_series": 1,
        "series_window_min_days": 0,
        "series_window_max_days": 0,
        "minimum_gap_hours": 44,
        "visit_length_min": 120,
        "vitals_every_min_during": 10,
        "vitals_every_min_after": 15,
        "sources": "\n".join(
            (
                "Single 0.5 mg/kg over 40 min, as the induction dose (§1.1).",
                "Maintenance has no standard; dose 'a little before the effect of the previous "
                "session is expected to wear off' (§1.2 [V] [Andrade2017a]); repeated/maintenance "
                "evidence Level 3 (§1.2 [CANMAT2021]).",
                "Limits as the mood induction protocol (§1.1, §1.5).",
                VITALS_SOURCE,
                WEIGHT_SOURCE,
                MAX_TOTAL_SOURCE,
            )
        ),
    },
)

# Ketalar vials, domain.md §1.6 [V] [Ketalar] (mg/mL, vial mL). 100 mg/mL must be diluted for IV use.
STANDARD_PRODUCTS: tuple[tuple[str, Decimal, Decimal], ...] = (
    ("Ketamine HCl injection 10 mg/mL (200 mg/20 mL)", Decimal("10"), Decimal("20")),
    ("Ketamine HCl injection 50 mg/mL (500 mg/10 mL)", Decimal("50"), Decimal("10")),
    ("Ketamine HCl injection 100 mg/mL (500 mg/5 mL)", Decimal("100"), Decimal("5")),
)


def stocked_product_seed(*, clinic: Clinic, seeded_by) -> list[StockedProduct]:
    """Add the three label vial strengths (§1.6) the clinic does not list yet; returns those added."""
    added = []
    with transaction.atomic():
        for name, concentration, volume in STANDARD_PRODUCTS:
            exists = StockedProduct.objects.filter(
                clinic=clinic, concentration_mg_per_ml=concentration, vial_volume_ml=volume
            ).exists()
            if exists:
                continue
            product = StockedProduct.objects.create(
                clinic=clinic,
                name=name,
                concentration_mg_per_ml=concentration,
                vial_volume_ml=volume,
            )
            audit_record(
                action=AuditAction.CREATE,
                actor=seeded_by,
                clinic=clinic,
                obj=product,
                summary=f"Stocked product added: {name}",
                after=model_snapshot(product),
            )
            added.append(product)
    return added


def protocol_library_seed(*, clinic: Clinic, seeded_by=None) -> list[Protocol]:
    """Create the standard protocols of domain.md (and the stocked vials) a clinic lacks.

    Idempotent: a protocol whose code the clinic already has is left alone, so a clinic's own
    revisions are never overwritten. Called by the demo loader, the `seed_protocols` command and
    tests; not by a migration, because protocols belong to a clinic.
    """
    created = []
    with transaction.atomic():
        stocked_product_seed(clinic=clinic, seeded_by=seeded_by)
        for definition in STANDARD_PROTOCOLS:
            if Protocol.objects.filter(clinic=clinic, code=definition["code"]).exists():
                continue
            created.append(protocol_create(clinic=clinic, created_by=seeded_by, **definition))
    return created
