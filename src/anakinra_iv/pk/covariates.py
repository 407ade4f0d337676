"""Covariate models: allometric weight scaling and the renal-function options of §3.2.

All functions take plain numbers or arrays in the units of their names (kg, mL/min) and return
dimensionless multipliers of a typical value. The renal numbers (Yang 2003 regression slope,
group ratios and bounds, IV clearances) live in ``pk/data/renal.yaml``, each with its status and
source; they are read and checked once (:func:`get_renal_data`).

Examples
--------
>>> round(float(allometric(140.0, 0.75, 70.0)), 4)
1.6818
>>> round(float(renal_factor("R1", 100.0)), 6), round(float(renal_factor("R2", 40.0)), 2)
(1.0, 0.5)
>>> get_renal_data().values["group_bounds.esrd_below"].status
'site-decision'
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from anakinra_iv.errors import InvalidInput
from anakinra_iv.pk._types import FloatArray
from anakinra_iv.pk.provenance import ValueReader
from anakinra_iv.protocol.values import Value
from anakinra_iv.yaml_text import read_yaml

__all__ = [
    "RENAL_GROUPS",
    "RENAL_OPTIONS",
    "RenalData",
    "allometric",
    "get_renal_data",
    "read_renal_text",
    "renal_factor",
    "renal_group",
]

RENAL_OPTIONS = ("R1", "R2", "R2-IV")
"""R1: Yang 2003 log-linear regression (continuous, default). R2: group-mean ratios of the SC study.
R2-IV: R2 with the IV study's ratio for end-stage renal disease (ESRD / healthy IV clearance)."""

RENAL_GROUPS = ("normal", "mild", "moderate", "severe", "esrd")
"""The Yang 2003 renal-function groups, from normal to end-stage."""

_FILE = "renal.yaml"
_ITEMS: dict[str, dict[str, str]] = {
    "regression": {"slope": "min/mL", "reference": "mL/min", "cap": "mL/min"},
    "group_ratios": dict.fromkeys(RENAL_GROUPS, "dimensionless"),
    "iv_clearance": {"esrd": "mL/min", "healthy": "mL/min"},
    "group_bounds": dict.fromkeys(
        ("esrd_below", "severe_below", "moderate_below", "mild_up_to"), "mL/min"
    ),
}


@dataclass(frozen=True)
class RenalData:
    """The numbers of the renal options, as plain floats in the units of their names.

    ``values`` keeps every number with its provenance, keyed ``section.name``
    (``regression.slope``, ``group_ratios.mild``, ...), in file order.
    """

    values: Mapping[str, Value]
    slope_per_ml_min: float
    reference_ml_min: float
    cap_ml_min: float
    group_ratios: Mapping[str, float]
    iv_esrd_ratio: float
    esrd_below_ml_min: float
    severe_below_ml_min: float
    moderate_below_ml_min: float
    mild_up_to_ml_min: float


def read_renal_text(text: str, origin: str = _FILE) -> RenalData:
    """Read and check a renal data file.

    Raises
    ------
    DatasetError, ProblemList
        A section or number is missing, or a number has an unknown status, a source that is not
        in the evidence registry, a unit of the wrong dimension, or the group bounds are not
        ascending. Each problem names the file, the number and the field.
    """
    raw = read_yaml(text)
    reader = ValueReader(origin)
    values: dict[str, Value] = {}
    sections = raw if isinstance(raw, dict) else {}
    for section, units in _ITEMS.items():
        items = sections.get(section)
        if not isinstance(items, dict):
            reader.problem(section, f"section '{section}'", "is missing or not a mapping")
            continue
        for name in items:
            if name not in units:
                reader.problem(
                    f"{section}.{name}",
                    f"'{section}.{name}'",
                    f"is not a known number (known: {', '.join(units)})",
                )
        for name, unit in units.items():
            where = f"{section}.{name}"
            if name not in items:
                reader.problem(where, f"'{where}'", "is missing")
                continue
            value = reader.read(items[name], where=where, label=f"'{where}'", unit=unit)
            if value is not None:
                values[where] = value
    reader.raise_if_any()

    def number(key: str, unit: str) -> float:
        return float(values[key].quantity.to(unit).magnitude)

    bounds = [number(f"group_bounds.{n}", "mL/min") for n in _ITEMS["group_bounds"]]
    if not all(low < high for low, high in itertools.pairwise(bounds)) or bounds[0] < 0:
        reader.problem(
            "group_bounds",
            "'group_bounds'",
            f"must be ascending from 0 (got {', '.join(f'{b:g}' for b in bounds)} mL/min)",
        )
    reader.raise_if_any()
    return RenalData(
        values=values,
        slope_per_ml_min=number("regression.slope", "min/mL"),
        reference_ml_min=number("regression.reference", "mL/min"),
        cap_ml_min=number("regression.cap", "mL/min"),
        group_ratios={g: number(f"group_ratios.{g}", "dimensionless") for g in RENAL_GROUPS},
        iv_esrd_ratio=number("iv_clearance.esrd", "mL/min")
        / number("iv_clearance.healthy", "mL/min"),
        esrd_below_ml_min=bounds[0],
        severe_below_ml_min=bounds[1],
        moderate_below_ml_min=bounds[2],
        mild_up_to_ml_min=bounds[3],
    )


@cache
def get_renal_data() -> RenalData:
    """The packaged renal numbers (``pk/data/renal.yaml``), read and checked once."""
    text = resources.files("anakinra_iv.pk").joinpath("data").joinpath(_FILE).read_text("utf-8")
    return read_renal_text(text)


def allometric(weight_kg: FloatArray | float, exponent: float, reference_kg: float) -> FloatArray:
    """``(WT / reference)^exponent``."""
    weight = np.asarray(weight_kg, dtype=float)
    if np.any(weight <= 0) or not np.all(np.isfinite(weight)):
        raise InvalidInput("'WT' (weight) must be a positive number of kg", field="WT")
    result: FloatArray = (weight / reference_kg) ** exponent
    return result


def renal_group(crcl_ml_min: float) -> str:
    """Yang 2003 group of a creatinine clearance: normal, mild, moderate, severe or esrd.

    >>> [renal_group(c) for c in (10, 29.9, 30, 80, 80.1)]
    ['esrd', 'severe', 'moderate', 'mild', 'normal']
    """
    data = get_renal_data()
    if crcl_ml_min < data.esrd_below_ml_min:
        return "esrd"
    if crcl_ml_min < data.severe_below_ml_min:
        return "severe"
    if crcl_ml_min < data.moderate_below_ml_min:
        return "moderate"
    if crcl_ml_min <= data.mild_up_to_ml_min:
        return "mild"
    return "normal"


def renal_factor(option: str, crcl_ml_min: FloatArray | float) -> FloatArray:
    """Multiplier of typical clearance for creatinine clearance ``crcl_ml_min``.

    R1: ``10^(slope·(min(CrCl, cap) − reference))`` (Yang 2003 regression read as log10).
    R2 / R2-IV: group-mean ratios (:attr:`RenalData.group_ratios`; R2-IV takes the IV study's
    ratio for end-stage renal disease).
    """
    crcl = np.asarray(crcl_ml_min, dtype=float)
    if np.any(crcl < 0) or not np.all(np.isfinite(crcl)):
        raise InvalidInput(
            "'CRCL' (creatinine clearance) must be a number of mL/min >= 0", field="CRCL"
        )
    data = get_renal_data()
    if option == "R1":
        capped = np.minimum(crcl, data.cap_ml_min)
        result: FloatArray = 10.0 ** (data.slope_per_ml_min * (capped - data.reference_ml_min))
        return result
    if option in ("R2", "R2-IV"):
        ratios = dict(data.group_ratios)
        if option == "R2-IV":
            ratios["esrd"] = data.iv_esrd_ratio
        flat = [ratios[renal_group(float(c))] for c in crcl.ravel()]
        return np.asarray(flat, dtype=float).reshape(crcl.shape)
    raise InvalidInput(
        f"'renal' must be one of {', '.join(RENAL_OPTIONS)} (got '{option}')",
        field="renal",
        value=option,
    )
