"""Clinical assessment: observations with units, scores and criteria, trends, response, advice.

Layer 4 of the core: it reads protocol files (layer 3) and never imports dosing; the dose plan a
piece of advice implies is calculated by :mod:`anakinra_iv.dosing` from ``Advice.target_step``.
"""

from anakinra_iv.assessment.catalogue import Analyte, get_analyte, get_catalogue
from anakinra_iv.assessment.criteria import Criterion, ScoreResult
from anakinra_iv.assessment.definitions import (
    get_score_definition,
    list_score_names,
    read_score_inputs,
)
from anakinra_iv.assessment.observation_file import Finding, read_observations_csv
from anakinra_iv.assessment.observations import (
    Measurement,
    Observation,
    create_observation,
    get_value_in,
    is_stale,
    read_measurement,
)
from anakinra_iv.assessment.recommendation import (
    Advice,
    AdviceReason,
    InfusionPeriod,
    create_advice,
)
from anakinra_iv.assessment.response import evaluate_condition, evaluate_rule
from anakinra_iv.assessment.safety import SafetyFlag, calculate_safety_flags
from anakinra_iv.assessment.scores import calculate_score
from anakinra_iv.assessment.toxicity import (
    GradeAt,
    GradeStatus,
    ToxicityAssessment,
    calculate_grades_over_time,
    create_grade_observations,
    get_grade_status,
    read_assessments,
)
from anakinra_iv.assessment.trends import Trend, calculate_trend, calculate_trends

__all__ = [
    "Advice",
    "AdviceReason",
    "Analyte",
    "Criterion",
    "Finding",
    "GradeAt",
    "GradeStatus",
    "InfusionPeriod",
    "Measurement",
    "Observation",
    "SafetyFlag",
    "ScoreResult",
    "ToxicityAssessment",
    "Trend",
    "calculate_grades_over_time",
    "calculate_safety_flags",
    "calculate_score",
    "calculate_trend",
    "calculate_trends",
    "create_advice",
    "create_grade_observations",
    "create_observation",
    "evaluate_condition",
    "evaluate_rule",
    "get_analyte",
    "get_catalogue",
    "get_grade_status",
    "get_score_definition",
    "get_value_in",
    "is_stale",
    "list_score_names",
    "read_assessments",
    "read_measurement",
    "read_observations_csv",
    "read_score_inputs",
]
