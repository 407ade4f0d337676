"""A patient's course as the report reads it (plain values; the shell fills them from the
stored workflow). Numbers are in the units their field names state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from anakinra_iv.assessment import ScoreResult
from anakinra_iv.reports.scan_report import ReportScanEvent, ReportScanWard
from anakinra_iv.reports.time_to_drug import OrderTiming

__all__ = [
    "CourseReportData",
    "LabSeries",
    "PkBand",
    "ReportBag",
    "ReportGrade",
    "ReportLoadingDose",
    "ReportOrder",
    "ReportOverride",
    "ReportRecommendation",
    "ReportScore",
    "ReportSegment",
]


@dataclass(frozen=True)
class LabSeries:
    """One laboratory value or vital sign over time, in its catalogue unit."""

    name: str
    display: str
    unit: str
    points: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True)
class ReportSegment:
    """A constant-rate segment (a stop or pause runs at 0 mg/h)."""

    order_id: str
    event: str
    started_at: datetime
    ended_at: datetime | None
    rate_mg_per_h: float
    rate_ml_per_h: float
    bag_id: str | None
    reason: str | None


@dataclass(frozen=True)
class ReportOrder:
    """An order as prescribed."""

    id: str
    protocol: str
    created_at: datetime
    prescriber: str
    step: int | None
    daily_dose_mg_per_day: float
    rate_mg_per_h: float
    status: str
    limit_status: str
    override_reason: str | None
    status_reason: str | None = None


@dataclass(frozen=True)
class ReportLoadingDose:
    """A loading dose given by IV push."""

    order_id: str
    given_at: datetime
    dose_mg: float
    syringe_lot: str
    given_by: str


@dataclass(frozen=True)
class ReportBag:
    """A compounded bag with its lots and beyond-use time."""

    id: str
    order_id: str
    status: str
    prepared_at: datetime
    prepared_by: str
    checked_by: str | None
    syringe_lots: tuple[str, ...]
    drug_amount_mg: float
    final_volume_ml: float
    concentration_mg_per_ml: float
    beyond_use: datetime


@dataclass(frozen=True)
class ReportRecommendation:
    """A recommendation shown to a user, and what was done (the order it led to)."""

    at: datetime
    kind: str
    shown: str
    done: str


@dataclass(frozen=True)
class ReportOverride:
    """A dose ordered beyond a soft limit, with the prescriber's stated reason."""

    at: datetime
    order_id: str
    dose: str
    limit_status: str
    reason: str


@dataclass(frozen=True)
class ReportScore:
    """One score at one moment, from the latest stored values collected up to then.

    ``values_used`` describes each stored value the score read (item, value with unit,
    collection time); ``result`` is None when the score could not be calculated (``problem``
    says why, for example that none of its items is recorded).
    """

    at: datetime
    name: str
    title: str
    result: ScoreResult | None
    values_used: tuple[str, ...] = ()
    problem: str = ""


@dataclass(frozen=True)
class ReportGrade:
    """A bedside CAR-T assessment with the grade calculated from its items, beside the dose
    running then: ``kind`` is ``CRS`` or ``ICANS``; ``tool`` is ``ICE 6`` or ``CAPD 12`` for
    an ICANS assessment (empty otherwise); ``rate_mg_per_h`` is None before any infusion."""

    at: datetime
    kind: str
    grade: int
    tool: str
    rate_mg_per_h: float | None


@dataclass(frozen=True)
class PkBand:
    """Predicted plasma concentration (mg/L): 5th, 50th and 95th percentiles over time."""

    times: tuple[datetime, ...]
    p5: tuple[float, ...]
    p50: tuple[float, ...]
    p95: tuple[float, ...]
    model: str
    subjects: int


@dataclass(frozen=True)
class CourseReportData:
    """Everything the patient-course report shows."""

    patient_name: str
    mrn: str
    birth_date: date
    sex: str
    generated_at: datetime
    orders: tuple[ReportOrder, ...] = ()
    segments: tuple[ReportSegment, ...] = ()
    bags: tuple[ReportBag, ...] = ()
    labs: tuple[LabSeries, ...] = ()
    recommendations: tuple[ReportRecommendation, ...] = ()
    overrides: tuple[ReportOverride, ...] = ()
    scores: tuple[ReportScore, ...] = ()
    pk: PkBand | None = None
    zone: str = "UTC"
    loading_doses: tuple[ReportLoadingDose, ...] = ()
    withheld: int = 0
    time_to_drug: tuple[OrderTiming, ...] = ()
    grades: tuple[ReportGrade, ...] = ()
    scan_wards: tuple[ReportScanWard, ...] = ()
    scan_events: tuple[ReportScanEvent, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        """The zone the report's times are shown in."""
        return ZoneInfo(self.zone)
