"""The patient-course report and its timeline figure.

``GET /api/patients/{id}/report.pdf|html`` (bearer token) and the same under
``/patients/{id}/report.pdf|html`` for the signed-in page user (session cookie), behind the
patient page's "Report" button; ``/patients/{id}/timeline.png|svg`` is the dose-versus-labs
figure the patient page shows. Every report served is recorded in the audit trail
(``report.view``: who saw which patient's report, in which format).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from anakinra_iv.bootstrap import Services
from anakinra_iv.errors import UnknownItem
from anakinra_iv.reports.course_report import create_course_report, write_course_report
from anakinra_iv.reports.plots import plot_course_timeline
from anakinra_iv.reports.render import render_html
from anakinra_iv.web.deps import CurrentUser, PageUser, PathId, ServicesDep
from anakinra_iv.web.errors import JSON_ERROR_RESPONSES
from anakinra_iv.workflow.report import REPORT_SEED, get_report_data
from anakinra_iv.workflow.services import record_disclosure

__all__ = ["REPORT_SEED", "router"]

router = APIRouter(tags=["reports"])
_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


class PdfResponse(Response):
    """A PDF document."""

    media_type = "application/pdf"


def _record(services: Services, user_id: int, patient_id: int, kind: str, via: str) -> None:
    record_disclosure(
        services.new_uow(),
        user_id,
        patient_id,
        "report.view",
        services.now(),
        detail={"format": kind, "via": via},
    )


def _pdf(services: Services, user_id: int, patient_id: int, via: str) -> Response:
    data = get_report_data(
        services.new_uow(),
        user_id,
        patient_id,
        services.now(),
        np.random.default_rng(REPORT_SEED),
        zone=services.zone,
    )
    with tempfile.TemporaryDirectory() as folder:
        content = write_course_report(data, Path(folder) / "report.pdf").read_bytes()
    _record(services, user_id, patient_id, "pdf", via)
    return PdfResponse(
        content,
        headers={"Content-Disposition": f'inline; filename="patient-{patient_id}-report.pdf"'},
    )


def _html(services: Services, user_id: int, patient_id: int, via: str) -> HTMLResponse:
    data = get_report_data(
        services.new_uow(),
        user_id,
        patient_id,
        services.now(),
        np.random.default_rng(REPORT_SEED),
        zone=services.zone,
    )
    page = HTMLResponse(render_html(create_course_report(data)))
    _record(services, user_id, patient_id, "html", via)
    return page


@router.get(
    "/api/patients/{patient_id}/report.pdf",
    response_class=PdfResponse,
    responses=JSON_ERROR_RESPONSES,
)
def report_pdf(patient_id: PathId, services: ServicesDep, user: CurrentUser) -> Response:
    """The patient-course report as PDF."""
    return _pdf(services, user.user_id, patient_id, "api")


@router.get(
    "/api/patients/{patient_id}/report.html",
    response_class=HTMLResponse,
    responses=JSON_ERROR_RESPONSES,
)
def report_html(patient_id: PathId, services: ServicesDep, user: CurrentUser) -> HTMLResponse:
    """The patient-course report as one HTML page."""
    return _html(services, user.user_id, patient_id, "api")


@router.get("/patients/{patient_id}/report.pdf", include_in_schema=False)
def page_report_pdf(patient_id: PathId, services: ServicesDep, user: PageUser) -> Response:
    """The report as PDF for the signed-in page user."""
    return _pdf(services, user.user_id, patient_id, "web")


@router.get("/patients/{patient_id}/report.html", include_in_schema=False)
def page_report_html(patient_id: PathId, services: ServicesDep, user: PageUser) -> HTMLResponse:
    """The report as HTML for the signed-in page user."""
    return _html(services, user.user_id, patient_id, "web")


@router.get("/patients/{patient_id}/timeline.{image_format}", include_in_schema=False)
def timeline_figure(
    patient_id: PathId, image_format: str, services: ServicesDep, user: PageUser
) -> Response:
    """The dose-versus-labs timeline as PNG or SVG."""
    if image_format not in _MEDIA:
        raise UnknownItem(
            f"'format' must be one of {', '.join(_MEDIA)} (got '{image_format}')",
            field="format",
            value=image_format,
        )
    data = get_report_data(
        services.new_uow(), user.user_id, patient_id, services.now(), None, zone=services.zone
    )
    figure = plot_course_timeline(data, image_format, zone=services.zone)
    return Response(figure, media_type=_MEDIA[image_format])
