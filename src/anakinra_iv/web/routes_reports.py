"""The patient-course report: ``GET /api/patients/{id}/report.pdf`` and ``.html``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from anakinra_iv.reports.course_report import create_course_report, write_course_report
from anakinra_iv.reports.render import render_html
from anakinra_iv.web.deps import CurrentUser, ServicesDep
from anakinra_iv.web.report_data import load_report_data

__all__ = ["REPORT_SEED", "router"]

REPORT_SEED = 20260105
"""Seed of the population simulation, so the same course always draws the same band."""

router = APIRouter(tags=["reports"])


@router.get("/api/patients/{patient_id}/report.pdf")
def report_pdf(patient_id: int, services: ServicesDep, user: CurrentUser) -> Response:
    """The patient-course report as PDF."""
    data = load_report_data(
        services, user.user_id, patient_id, services.now(), np.random.default_rng(REPORT_SEED)
    )
    with tempfile.TemporaryDirectory() as folder:
        path = write_course_report(data, Path(folder) / "report.pdf")
        content = path.read_bytes()
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="patient-{patient_id}-report.pdf"'},
    )


@router.get("/api/patients/{patient_id}/report.html", response_class=HTMLResponse)
def report_html(patient_id: int, services: ServicesDep, user: CurrentUser) -> HTMLResponse:
    """The patient-course report as one HTML page."""
    data = load_report_data(
        services, user.user_id, patient_id, services.now(), np.random.default_rng(REPORT_SEED)
    )
    return HTMLResponse(render_html(create_course_report(data)))
