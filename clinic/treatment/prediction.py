"""The predicted concentration curve of an order: PK simulation (calculations.pk) → SVG (charts).

Pure: takes numbers, returns numbers and an SVG string; the view passes an order's stored values.
"""

from dataclasses import dataclass
from decimal import Decimal

from clinic.core.display import display_quantity
from clinic.treatment.calculations.pk import (
    PK_MODELS,
    REFERENCE_CONCENTRATIONS,
    PkModel,
    infusion_segments_for_dose,
    simulate_plasma_concentration,
)
from clinic.treatment.charts import DEFAULT_BAND_FILLS, Band, concentration_chart_svg

# At least 4 h (the §6.1 fixture table runs to 240 min), or twice the infusion for long ones.
MIN_HORIZON_MIN = 240
POINTS_PER_CURVE = 240


@dataclass(frozen=True)
class Prediction:
    model: PkModel
    svg: str
    peak_ng_per_ml: float
    peak_at_min: float
    end_of_infusion_ng_per_ml: float
    until_min: float
    bands: tuple[Band, ...]


def reference_bands() -> tuple[Band, ...]:
    """domain.md §6.3 observed concentrations (antidepressant peak, dissociation, analgesia)."""
    return tuple(
        Band(label=ref.label, low=ref.low_ng_per_mL, high=ref.high_ng_per_mL, fill=fill)
        for ref, fill in zip(REFERENCE_CONCENTRATIONS, DEFAULT_BAND_FILLS, strict=False)
    )


def infusion_prediction(
    *, model_key: str, weight_kg: Decimal, dose_mg: Decimal, duration_min: int | Decimal
) -> Prediction:
    """Simulate `dose_mg` given evenly over `duration_min` in a patient of `weight_kg`.

    The volumes of the models scale with body weight, so the measured (actual) weight is used here
    even when the dose was calculated on an ideal or adjusted weight.
    """
    model = PK_MODELS[model_key]
    duration = float(duration_min)
    until = float(max(MIN_HORIZON_MIN, 2 * duration))
    points = simulate_plasma_concentration(
        model=model,
        weight_kg=weight_kg,
        infusions=infusion_segments_for_dose(dose_mg=dose_mg, duration_min=duration_min),
        until_min=until,
        step_min=until / POINTS_PER_CURVE,
    )
    pairs = [(p.t_min, p.cp_ng_per_mL) for p in points]
    peak_t, peak_c = max(pairs, key=lambda p: p[1])
    end_c = min(pairs, key=lambda p: abs(p[0] - duration))[1]
    bands = reference_bands()
    svg = concentration_chart_svg(
        points=pairs,
        bands=bands,
        infusion_end_min=duration,
        title=f"Predicted plasma ketamine — {model.name}",
        caption=(
            f"{display_quantity(dose_mg, 'mg')} over {display_quantity(duration, 'min')} in a "
            f"{display_quantity(weight_kg, 'kg')} patient; predicted peak "
            f"{display_quantity(peak_c, 'ng_per_ml')} at {display_quantity(peak_t, 'min')}."
        ),
    )
    return Prediction(
        model=model,
        svg=svg,
        peak_ng_per_ml=peak_c,
        peak_at_min=peak_t,
        end_of_infusion_ng_per_ml=end_c,
        until_min=until,
        bands=bands,
    )
