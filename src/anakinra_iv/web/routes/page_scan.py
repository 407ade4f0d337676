"""Barcode pages: the printable wristband code of a patient, the code on a bag label, and the
scan compliance of the wards (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from anakinra_iv.bootstrap import Services
from anakinra_iv.compounding.codes import create_bag_code, create_wristband_code
from anakinra_iv.reports.barcode_image import create_data_uri
from anakinra_iv.web.deps import PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import render
from anakinra_iv.workflow import queries
from anakinra_iv.workflow.scan_compliance import get_scan_compliance

__all__ = ["create_bag_code_context", "router"]

router = APIRouter(include_in_schema=False)


def create_bag_code_context(bag_id: int, app: Services) -> dict[str, Any]:
    """What a bag label shows of its code: the text and the image (a ``data:`` PNG)."""
    code = create_bag_code(bag_id)
    symbology = app.settings.barcode_symbology
    return {
        "bag_code": code,
        "bag_code_uri": create_data_uri(code, symbology, bag=True),
        "symbology": symbology,
    }


@router.get("/patients/{patient_id}/wristband", response_class=HTMLResponse)
def wristband(
    request: Request, patient_id: PathId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """The printable wristband code of a patient: name, MRN, birth date and the MRN's code."""
    detail = queries.get_patient(app.new_uow(), user.user_id, patient_id)
    code = create_wristband_code(detail.patient.mrn)
    symbology = app.settings.barcode_symbology
    return render(
        request,
        "wristband.html",
        app,
        user,
        patient=detail.patient,
        code=code,
        code_uri=create_data_uri(code, symbology, bag=False),
    )


@router.get("/admin/scans", response_class=HTMLResponse)
def scan_compliance(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Scan compliance by ward (starts and bag changes scanned or overridden), with the latest
    overrides and refused scans (admin)."""
    compliance = get_scan_compliance(app.new_uow(), user.user_id)
    return render(request, "scans.html", app, user, compliance=compliance)
