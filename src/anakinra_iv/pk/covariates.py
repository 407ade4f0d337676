"""Covariate models: allometric weight scaling and the renal-function options of §3.2.

All functions take plain numbers or arrays in the units of their names (kg, mL/min) and return
dimensionless multipliers of a typical value.

Examples
--------
>>> round(float(allometric(140.0, 0.75)), 4)
1.6818
>>> round(float(renal_factor("R1", 100.0)), 6), round(float(renal_factor("R2", 40.0)), 2)
(1.0, 0.5)
"""

from __future__ import annotations

import numpy as np

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk._types import FloatArray

__all__ = [
    "RENAL_GROUP_RATIOS",
    "RENAL_OPTIONS",
    "allometric",
    "renal_factor",
    "renal_group",
]

RENAL_OPTIONS = ("R1", "R2", "R2-IV")
"""R1: Yang 2003 log-linear regression (continuous, default). R2: group-mean ratios of the SC study.
R2-IV: R2 with the IV study's ratio for end-stage renal disease (20/137 ≈ 0.15)."""

RENAL_GROUP_RATIOS = {
    "normal": 1.0,
    "mild": 0.84,
    "moderate": 0.50,
    "severe": 0.30,
    "esrd": 0.25,
}
"""Clearance ratio to normal renal function by group, Yang et al. 2003 (SC study) [confirmed]."""

IV_ESRD_RATIO = 20.0 / 137.0
"""IV clearance in ESRD on dialysis over healthy IV clearance, Yang et al. 2003 [confirmed]."""

R1_SLOPE_PER_ML_MIN = 0.0062
R1_REFERENCE_ML_MIN = 100.0
R1_CAP_ML_MIN = 150.0
ESRD_BELOW_ML_MIN = 15.0
"""CrCl under which a patient counts as end-stage renal disease for R2 [inferred: KDIGO G5]."""


def allometric(
    weight_kg: FloatArray | float, exponent: float, reference_kg: float = 70.0
) -> FloatArray:
    """``(WT / reference)^exponent``."""
    weight = np.asarray(weight_kg, dtype=float)
    if np.any(weight <= 0) or not np.all(np.isfinite(weight)):
        raise InvalidInput("'WT' (weight) must be a positive number of kg", field="WT")
    result: FloatArray = (weight / reference_kg) ** exponent
    return result


def renal_group(crcl_ml_min: float) -> str:
    """Yang 2003 group: normal (> 80), mild (50-80), moderate (30-49), severe (< 30), esrd."""
    if crcl_ml_min < ESRD_BELOW_ML_MIN:
        return "esrd"
    if crcl_ml_min < 30:
        return "severe"
    if crcl_ml_min < 50:
        return "moderate"
    if crcl_ml_min <= 80:
        return "mild"
    return "normal"


def renal_factor(option: str, crcl_ml_min: FloatArray | float) -> FloatArray:
    """Multiplier of typical clearance for creatinine clearance ``crcl_ml_min``.

    R1: ``10^(0.0062·(min(CrCl, 150) − 100))`` (Yang 2003 regression, log10 [inferred]).
    R2 / R2-IV: group-mean ratios (see :data:`RENAL_GROUP_RATIOS`).
    """
    crcl = np.asarray(crcl_ml_min, dtype=float)
    if np.any(crcl < 0) or not np.all(np.isfinite(crcl)):
        raise InvalidInput(
            "'CRCL' (creatinine clearance) must be a number of mL/min >= 0", field="CRCL"
        )
    if option == "R1":
        capped = np.minimum(crcl, R1_CAP_ML_MIN)
        result: FloatArray = 10.0 ** (R1_SLOPE_PER_ML_MIN * (capped - R1_REFERENCE_ML_MIN))
        return result
    if option in ("R2", "R2-IV"):
        ratios = dict(RENAL_GROUP_RATIOS)
        if option == "R2-IV":
            ratios["esrd"] = IV_ESRD_RATIO
        flat = [ratios[renal_group(float(c))] for c in crcl.ravel()]
        return np.asarray(flat, dtype=float).reshape(crcl.shape)
    raise InvalidInput(
        f"'renal' must be one of {', '.join(RENAL_OPTIONS)} (got '{option}')",
        field="renal",
        value=option,
    )
