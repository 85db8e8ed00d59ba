"""Predicted ketamine plasma and effect-site concentrations (domain.md §6).

Three published compartment models (§6.1, parameters as implemented in opentiva, MIT) are simulated
exactly: during any interval in which the infusion rate is constant the linear system

    dA1/dt = R − (k10 + k12 + k13)·A1 + k21·A2 + k31·A3
    dA2/dt = k12·A1 − k21·A2
    dA3/dt = k13·A1 − k31·A3
    dCe/dt = ke0·(A1/V1 − Ce)

has the closed-form solution x(t+h) = e^{Mh}·x(t) + (∫₀ʰ e^{Ms} ds)·e₁·R, evaluated with the matrix
exponential of the augmented matrix [[M, e₁], [0, 0]] (scaling and squaring with a degree-13 Padé
approximant, Higham 2005; accurate to ~1e-13 relative). This is the same solution as the
multi-exponential (A, B, C / α, β, γ) superposition documented by opentiva, without having to find
the roots of a cubic. numpy is not a dependency, so the 5×5 linear algebra is done in pure Python.

Floats are used here (and only here): a prediction is a picture for the prescriber, not a dose.
A1..A3 are mg, V1 is L, so A1/V1 is mg/L = µg/mL; × 1000 gives ng/mL.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from clinic.treatment.calculations.errors import CalculationInputError

# --- Models ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PkModel:
    """A mammillary compartment model: V1 per kg, rate constants per minute, ke0 per minute."""

    key: str
    name: str  # the published model, as the order page names it
    citation: str  # the paper, for the prescriber (where the parameters were read is a comment below)
    population: str
    compartments: int  # 2 or 3
    v1_L_per_kg: float
    k10: float
    k12: float
    k21: float
    k13: float = 0.0
    k31: float = 0.0
    ke0: float = 0.0
    notes: str = ""

    def v1_L(self, weight_kg: float) -> float:
        return self.v1_L_per_kg * weight_kg


# Parameters of the three models as implemented in opentiva/ketamine.py (MIT), domain.md §6.1.
# Domino: opentiva cites PMID 7198883, unverified (domain.md §9.6); the same constants appear in
# fus_anes; ke0 is opentiva's (time to peak effect 1 min).
DOMINO = PkModel(
    key="domino",
    name="Domino 1984 three-compartment model",
    citation="Domino EF, et al. Clin Pharmacol Ther 1984.",
    population="Adults.",
    compartments=3,
    v1_L_per_kg=0.063,
    k10=0.4381,
    k12=0.5921,
    k21=0.2470,
    k13=0.5900,
    k31=0.0146,
    ke0=0.652,
    notes="Effect-site constant set for a time to peak effect of 1 min.",
)
CLEMENTS250 = PkModel(
    key="clements250",
    name="Clements & Nimmo 1981 two-compartment model (250 µg/kg)",
    citation="Clements JA, Nimmo WS. Br J Anaesth 1981;53:27, doi:10.1093/bja/53.1.27 (PMID 7459184).",
    population="Adult volunteers.",
    compartments=2,
    v1_L_per_kg=1.7522,
    k10=0.0109,
    k12=0.0186,
    k21=0.0137,
    ke0=5.2,
    notes="V1·k10 ≈ 19 mL/min/kg ≈ 80 L/h per 70 kg.",
)
HIJAZI = PkModel(
    key="hijazi",
    name="Hijazi 2003 two-compartment model",
    citation="Hijazi Y, et al. Br J Anaesth 2003;90(2):155–160, doi:10.1093/bja/aeg028 (PMID 12538370).",
    population="12 adult ICU patients with brain or spinal injury.",
    compartments=2,
    v1_L_per_kg=1.08,
    k10=0.0333,
    k12=0.0088,
    k21=0.0030,
    ke0=4.773,
    # opentiva's age_upper = 18 conflicts with the adult population (domain.md §6.1, a bug there).
    notes=(
        "Intensive-care pharmacokinetics, not representative of outpatients. V1·k10 = 36 mL/min/kg "
        "matches the paper's clearance."
    ),
)

PK_MODELS: dict[str, PkModel] = {model.key: model for model in (DOMINO, CLEMENTS250, HIJAZI)}
PK_MODEL_CHOICES: tuple[tuple[str, str], ...] = tuple((m.key, m.name) for m in PK_MODELS.values())

MODEL_UNKNOWN = "Unknown PK model; choose one of: {choices}."


def pk_model_get(key: str) -> PkModel:
    """The registered model with this key, or CalculationInputError naming the field "model"."""
    try:
        return PK_MODELS[key]
    except KeyError:
        raise CalculationInputError(
            MODEL_UNKNOWN.format(choices=", ".join(PK_MODELS)), field="model", code="model_unknown"
        ) from None


# --- Reference concentrations (for drawing beside a prediction) -------------------------------------


@dataclass(frozen=True)
class ConcentrationReference:
    key: str
    label: str
    low_ng_per_mL: float
    high_ng_per_mL: float  # equal to low for a single observed value
    source: str


REFERENCE_CONCENTRATIONS: tuple[ConcentrationReference, ...] = (
    ConcentrationReference(
        key="antidepressant_peak",
        label="Antidepressant effect: observed peak after 0.5 mg/kg over 40 min",
        low_ng_per_mL=185.0,
        high_ng_per_mL=185.0,
        source="Zanos 2018, Table 1 (Zarate 2006); about 0.78 µM.",  # domain.md §6.3 [V]
    ),
    ConcentrationReference(
        key="dissociation",
        label="Dissociation after 0.5 mg/kg over 40 min",
        low_ng_per_mL=100.0,
        high_ng_per_mL=250.0,
        source="Zanos 2018 (Krystal 1994).",  # domain.md §6.3 [V]
    ),
    ConcentrationReference(
        key="analgesia",
        label="Analgesia",
        low_ng_per_mL=70.0,
        high_ng_per_mL=160.0,
        source="Zanos 2018.",  # domain.md §6.3 [V]
    ),
)

KETAMINE_MOLAR_MASS_G_PER_MOL = 237.7  # base; 1 µM ≈ 238 ng/mL (domain.md §6.2)


def ng_per_mL_to_micromolar(value_ng_per_mL: float) -> float:
    return value_ng_per_mL / KETAMINE_MOLAR_MASS_G_PER_MOL


# --- Simulation ------------------------------------------------------------------------------------


class InfusionSegment(NamedTuple):
    """A constant-rate infusion from start_min to end_min (minutes after the start of the session)."""

    start_min: float
    end_min: float
    rate_mg_per_min: float


class PkPoint(NamedTuple):
    t_min: float
    cp_ng_per_mL: float  # plasma
    ce_ng_per_mL: float  # effect site


WEIGHT_RANGE = "Weight must be between 20 and 350 kg."
UNTIL_RANGE = "The prediction must end after 0 and within 10080 min (7 days)."
STEP_RANGE = "The time step must be more than 0 min and give at most 20000 points."
SEGMENT_INVALID = (
    "Infusion {index}: start must be ≥ 0 min, end after start, and rate between 0 and 100 mg/min."
)
TOO_MANY_SEGMENTS = "At most 1000 infusion segments can be simulated."

_MAX_UNTIL_MIN = 10080.0
_MAX_POINTS = 20000
_MAX_SEGMENTS = 1000
_MAX_RATE_MG_PER_MIN = 100.0
_EPS = 1e-9


def infusion_segments_for_dose(
    *, dose_mg: Decimal | float, duration_min: Decimal | float, start_min: float = 0.0
) -> list[InfusionSegment]:
    """One constant-rate segment that gives `dose_mg` evenly over `duration_min`.

    Use an InfusionPlan's delivered_dose_mg and duration_min to predict what the pump will give.
    """
    dose, duration = float(dose_mg), float(duration_min)
    if duration <= 0:
        raise CalculationInputError("Duration must be more than 0 min.", field="duration_min", code="range")
    return [InfusionSegment(start_min, start_min + duration, dose / duration)]


def simulate_plasma_concentration(
    *,
    model: PkModel | str,
    weight_kg: Decimal | float,
    infusions: Sequence[tuple[float, float, float]],
    until_min: float,
    step_min: float = 0.5,
) -> list[PkPoint]:
    """Predicted (t_min, Cp ng/mL, Ce ng/mL) every `step_min` from 0 to `until_min` inclusive.

    `infusions` are (start_min, end_min, rate_mg_per_min) tuples; overlapping ones add up. The
    patient starts drug-free. The result is the exact solution of the model at each time (see the
    module docstring), not a numerical integration.
    """
    pk = pk_model_get(model) if isinstance(model, str) else model
    weight = _finite(weight_kg, "weight_kg", WEIGHT_RANGE)
    if not 20 <= weight <= 350:
        raise CalculationInputError(WEIGHT_RANGE, field="weight_kg", code="range")
    until = _finite(until_min, "until_min", UNTIL_RANGE)
    if not 0 < until <= _MAX_UNTIL_MIN:
        raise CalculationInputError(UNTIL_RANGE, field="until_min", code="range")
    step = _finite(step_min, "step_min", STEP_RANGE)
    if step <= 0 or until / step > _MAX_POINTS:
        raise CalculationInputError(STEP_RANGE, field="step_min", code="range")
    segments = _check_segments(infusions)

    n_points = int(math.floor(until / step + _EPS))
    grid = [i * step for i in range(n_points + 1)]
    if until - grid[-1] > _EPS:
        grid.append(until)
    # Infusion starts and ends are breakpoints too, however close to a grid time (a sliver of an
    # interval is propagated exactly like any other).
    on_grid = set(grid)
    events = {t for seg in segments for t in (seg.start_min, seg.end_min) if 0 < t < until}
    times = sorted(on_grid | events)

    matrix = _system_matrix(pk, weight)
    n = len(matrix)
    v1 = pk.v1_L(weight)
    state = [0.0] * n
    propagators: dict[float, tuple[list[list[float]], list[float]]] = {}
    points = [PkPoint(0.0, 0.0, 0.0)]
    for t_a, t_b in itertools.pairwise(times):
        h = t_b - t_a
        middle = (t_a + t_b) / 2
        rate = sum(seg.rate_mg_per_min for seg in segments if seg.start_min < middle < seg.end_min)
        # Grid steps differ in the last bits of the float; rounding lets them share one propagator.
        key = round(h, 12) if h > 1e-6 else h
        if key not in propagators:
            propagators[key] = _propagator(matrix, h)
        phi, gamma = propagators[key]
        state = [sum(phi[i][j] * state[j] for j in range(n)) + gamma[i] * rate for i in range(n)]
        if t_b in on_grid:
            points.append(PkPoint(t_b, state[0] / v1 * 1000.0, state[-1] * 1000.0))
    return points


def _finite(value: object, field: str, message: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CalculationInputError(message, field=field, code="type") from None
    if not math.isfinite(number):
        raise CalculationInputError(message, field=field, code="type")
    return number


def _check_segments(infusions: Sequence[tuple[float, float, float]]) -> list[InfusionSegment]:
    if len(infusions) > _MAX_SEGMENTS:
        raise CalculationInputError(TOO_MANY_SEGMENTS, field="infusions", code="range")
    segments = []
    for index, item in enumerate(infusions, start=1):
        message = SEGMENT_INVALID.format(index=index)
        try:
            start, end, rate = (_finite(x, "infusions", message) for x in item)
        except (TypeError, ValueError):
            raise CalculationInputError(message, field="infusions", code="segment") from None
        if not (0 <= start < end and 0 <= rate <= _MAX_RATE_MG_PER_MIN):
            raise CalculationInputError(message, field="infusions", code="segment")
        segments.append(InfusionSegment(start, end, rate))
    return segments


def _system_matrix(pk: PkModel, weight_kg: float) -> list[list[float]]:
    """M for the state (A1, A2[, A3], Ce): amounts in mg, Ce in mg/L."""
    v1 = pk.v1_L(weight_kg)
    if pk.compartments == 3:
        return [
            [-(pk.k10 + pk.k12 + pk.k13), pk.k21, pk.k31, 0.0],
            [pk.k12, -pk.k21, 0.0, 0.0],
            [pk.k13, 0.0, -pk.k31, 0.0],
            [pk.ke0 / v1, 0.0, 0.0, -pk.ke0],
        ]
    return [
        [-(pk.k10 + pk.k12), pk.k21, 0.0],
        [pk.k12, -pk.k21, 0.0],
        [pk.ke0 / v1, 0.0, -pk.ke0],
    ]


def _propagator(matrix: list[list[float]], h: float) -> tuple[list[list[float]], list[float]]:
    """(Φ, Γ) with Φ = e^{Mh} and Γ = ∫₀ʰ e^{Ms} ds · e₁ (input into the central compartment)."""
    n = len(matrix)
    augmented = [[matrix[i][j] * h for j in range(n)] + [h if i == 0 else 0.0] for i in range(n)]
    augmented.append([0.0] * (n + 1))
    exp = expm(augmented)
    return [row[:n] for row in exp[:n]], [exp[i][n] for i in range(n)]


# --- Matrix exponential (pure Python) --------------------------------------------------------------

# Higham 2005, "The scaling and squaring method for the matrix exponential revisited": degree-13 Padé
# coefficients and the 1-norm bound up to which no scaling is needed.
_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152


def _matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    columns = list(zip(*b, strict=True))
    return [[sum(x * y for x, y in zip(row, col, strict=True)) for col in columns] for row in a]


def _combine(*terms: tuple[float, list[list[float]]]) -> list[list[float]]:
    n = len(terms[0][1])
    return [[sum(c * m[i][j] for c, m in terms) for j in range(n)] for i in range(n)]


def _solve(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """X with a·X = b, by Gaussian elimination with partial pivoting."""
    n = len(a)
    m = [list(a[i]) + list(b[i]) for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if m[pivot][col] == 0.0:  # pragma: no cover - V − U is nonsingular for these norms
            raise ZeroDivisionError("singular matrix")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            if factor:
                m[r] = [x - factor * y for x, y in zip(m[r], m[col], strict=True)]
    width = len(b[0])
    x = [[0.0] * width for _ in range(n)]
    for r in range(n - 1, -1, -1):
        for c in range(width):
            total = m[r][n + c] - sum(m[r][k] * x[k][c] for k in range(r + 1, n))
            x[r][c] = total / m[r][r]
    return x


def expm(matrix: list[list[float]]) -> list[list[float]]:
    """e^A for a small square matrix (scaling and squaring, degree-13 Padé; Higham 2005)."""
    n = len(matrix)
    identity = [[1.0 if i == j else 0.0 for j in range(n)] for i in range(n)]
    norm = max(sum(abs(matrix[i][j]) for i in range(n)) for j in range(n))
    squarings = max(0, math.ceil(math.log2(norm / _THETA13))) if norm > _THETA13 else 0
    a = [[x / 2.0**squarings for x in row] for row in matrix]
    b = _PADE13
    a2 = _matmul(a, a)
    a4 = _matmul(a2, a2)
    a6 = _matmul(a4, a2)
    u_inner = _combine((b[13], a6), (b[11], a4), (b[9], a2))
    u = _matmul(
        a,
        _combine(
            (1.0, _matmul(a6, u_inner)),
            (b[7], a6),
            (b[5], a4),
            (b[3], a2),
            (b[1], identity),
        ),
    )
    v_inner = _combine((b[12], a6), (b[10], a4), (b[8], a2))
    v = _combine((1.0, _matmul(a6, v_inner)), (b[6], a6), (b[4], a4), (b[2], a2), (b[0], identity))
    result = _solve(_combine((1.0, v), (-1.0, u)), _combine((1.0, v), (1.0, u)))
    for _ in range(squarings):
        result = _matmul(result, result)
    return result
