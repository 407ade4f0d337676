"""The patient-course report and its timeline figure.

``GET /api/patients/{id}/report.pdf|html`` (bearer token) and the same under
``/patients/{id}/report.pdf|html`` for the signed-in page user (session cookie), behind the
patient page's "Report" button; ``/patients/{id}/timeline.png|svg`` is the dose-versus-labs
figure the patient page shows.
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

__all__ = ["REPORT_SEED", "router"]

router = APIRouter(tags=["reports"])
_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


class PdfResponse(Response):
    """A PDF document."""

    media_type = "application/pdf"


def _pdf(services: Services, user_id: int, patient_id: int) -> Response:
    data = get_report_data(
        services.new_uow(),
        user_id,
        patient_id,
        services.now(),
        np.random.default_rng(REPORT_SEED),
    )
    with tempfile.TemporaryDirectory() as folder:
        content = write_course_report(data, Path(folder) / "report.pdf").read_bytes()
    return PdfResponse(
        content,
        headers={"Content-Disposition": f'inline; filename="patient-{patient_id}-report.pdf"'},
    )


def _html(services: Services, user_id: int, patient_id: int) -> HTMLResponse:
    data = get_report_data(
        services.new_uow(),
        user_id,
        patient_id,
        services.now(),
        np.random.default_rng(REPORT_SEED),
    )
    return HTMLResponse(render_html(create_course_report(data)))


@router.get(
    "/api/patients/{patient_id}/report.pdf",
    response_class=PdfResponse,
    responses=JSON_ERROR_RESPONSES,
)
def report_pdf(patient_id: PathId, services: ServicesDep, user: CurrentUser) -> Response:
    """The patient-course report as PDF."""
    return _pdf(services, user.user_id, patient_id)


@router.get(
    "/api/patients/{patient_id}/report.html",
    response_class=HTMLResponse,
    responses=JSON_ERROR_RESPONSES,
)
def report_html(patient_id: PathId, services: ServicesDep, user: CurrentUser) -> HTMLResponse:
    """The patient-course report as one HTML page."""
    return _html(services, user.user_id, patient_id)


@router.get("/patients/{patient_id}/report.pdf", include_in_schema=False)
def page_report_pdf(patient_id: PathId, services: ServicesDep, user: PageUser) -> Response:
    """The report as PDF for the signed-in page user."""
    return _pdf(services, user.user_id, patient_id)


@router.get("/patients/{patient_id}/report.html", include_in_schema=False)
def page_report_html(patient_id: PathId, services: ServicesDep, user: PageUser) -> HTMLResponse:
    """The report as HTML for the signed-in page user."""
    return _html(services, user.user_id, patient_id)


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
    data = get_report_data(services.new_uow(), user.user_id, patient_id, services.now(), None)
    return Response(plot_course_timeline(data, image_format), media_type=_MEDIA[image_format])
