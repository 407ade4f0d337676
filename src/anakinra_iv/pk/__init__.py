"""Pharmacokinetics: an exact, NONMEM-compatible simulator of linear compartment models, and
anakinra's parameter sets with their provenance.

Public API (everything else is internal):

- Models: :func:`get_model`, :func:`list_models`, :func:`calculate_typical_clearance` (typical CL
  as a quantity in L/h, so that a continuous infusion at rate R gives ``Css = R / CL``).
- Simulation: :func:`parse_regimen`, :func:`simulate_regimen` (one patient on a time grid),
  :func:`read_dataset` and :func:`simulate_dataset` (NONMEM-style records),
  :func:`simulate_population` (variability, percentile bands).
- Results: :func:`calculate_metrics`, :func:`compare_routes`, :func:`compare_interruptions`.

Units: doses mg, time h, volumes L, clearance L/h, concentration mg/L.

Examples
--------
>>> sim = simulate_regimen("100 mg/h civ for 48 h", weight="70 kg", crcl="100 mL/min",
...                        hours=48, step=1)
>>> cl = calculate_typical_clearance("anakinra-adult", "70 kg", "100 mL/min")
>>> round(float(sim.concentration[-1]), 1), round(100 / cl.to("L/h").magnitude, 1)
(12.2, 12.2)
"""

from anakinra_iv.pk.catalog import calculate_typical_clearance, get_model, list_models
from anakinra_iv.pk.dataset import Dataset, Record, read_dataset, read_dataset_text
from anakinra_iv.pk.metrics import Metrics, calculate_metrics
from anakinra_iv.pk.parameters import PkModel
from anakinra_iv.pk.population import PopulationResult, simulate_population
from anakinra_iv.pk.regimen import Regimen, RegimenDose, parse_regimen
from anakinra_iv.pk.routes import RouteComparison, compare_interruptions, compare_routes
from anakinra_iv.pk.simulate import (
    DatasetSimulation,
    Simulation,
    simulate_dataset,
    simulate_regimen,
)

__all__ = [
    "Dataset",
    "DatasetSimulation",
    "Metrics",
    "PkModel",
    "PopulationResult",
    "Record",
    "Regimen",
    "RegimenDose",
    "RouteComparison",
    "Simulation",
    "calculate_metrics",
    "calculate_typical_clearance",
    "compare_interruptions",
    "compare_routes",
    "get_model",
    "list_models",
    "parse_regimen",
    "read_dataset",
    "read_dataset_text",
    "simulate_dataset",
    "simulate_population",
    "simulate_regimen",
]
