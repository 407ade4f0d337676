"""Patient pages: the list and registration, and a patient's detail (timeline figure, scores from
stored labs, the latest recommendation asked for, the predicted concentration band)."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anakinra_iv.errors import UnknownItem
from anakinra_iv.reports.plots import IMAGE_FORMATS, plot_pk_band
from anakinra_iv.web.deps import PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import (
    FormText,
    OptionalText,
    list_order_protocols,
    read_local_time,
    render,
    run_action,
)
from anakinra_iv.web.schemas import ObservationCreate, PatientCreate
from anakinra_iv.workflow import queries, services
from anakinra_iv.workflow.commands import RequestRecommendation
from anakinra_iv.workflow.report import REPORT_SEED
from anakinra_iv.workflow.review import get_patient_review

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


@router.get("/patients", response_class=HTMLResponse)
def patients(request: Request, app: ServicesDep, user: PageUser) -> HTMLResponse:
    """Patient list and registration form."""
    found = queries.list_patients(app.new_uow(), user.user_id)
    return render(request, "patients.html", app, user, patients=found)


@router.post("/patients")
def create_patient(
    app: ServicesDep,
    user: PageUser,
    mrn: FormText = "",
    name: FormText = "",
    birth_date: FormText = "",
    sex: FormText = "",
    weight: FormText = "",
    creatinine: OptionalText = None,
    height: OptionalText = None,
    renal_replacement: OptionalText = None,
    ward: OptionalText = None,
    bed: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Register (admit) a patient; height and renal replacement change the dose plan as on the
    command line and the API (a child's Schwartz eGFR, an obese adult's adjusted weight)."""
    typed = {
        "mrn": mrn,
        "name": name,
        "birth_date": birth_date,
        "sex": sex,
        "weight": weight,
        "creatinine": creatinine,
        "height": height,
        "renal_replacement": renal_replacement,
        "ward": ward,
        "bed": bed,
    }

    def run() -> str:
        body = PatientCreate.model_validate(
            {
                "mrn": mrn,
                "name": name,
                "birth_date": birth_date,
                "sex": sex,
                "weight": weight,
                "creatinine": creatinine or None,
                "height": height or None,
                "renal_replacement": renal_replacement or "none",
                "ward": ward or None,
                "bed": bed or None,
            }
        )
        view = services.create_patient(body.to_command(user.user_id), app.new_uow(), app.now())
        return f"/patients/{view.id}"

    return run_action(
        app, user, csrf_token, "/patients", run, form=typed, done="Patient registered."
    )


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_detail(
    request: Request, patient_id: PathId, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """A patient's timeline, scores, latest recommendation and predicted concentration."""
    review = get_patient_review(
        app.new_uow(), user.user_id, patient_id, app.now(), np.random.default_rng(REPORT_SEED)
    )
    protocols = list_order_protocols(app)
    return render(
        request,
        "patient.html",
        app,
        user,
        detail=review.detail,
        review=review,
        protocols=protocols,
    )


@router.get("/patients/{patient_id}/pk.{image_format}")
def pk_figure(patient_id: PathId, image_format: str, app: ServicesDep, user: PageUser) -> Response:
    """The predicted concentration band of the infusion history as PNG or SVG."""
    if image_format not in IMAGE_FORMATS:
        raise UnknownItem(
            f"'format' must be one of {', '.join(IMAGE_FORMATS)} (got '{image_format}')",
            field="format",
            value=image_format,
        )
    review = get_patient_review(
        app.new_uow(), user.user_id, patient_id, app.now(), np.random.default_rng(REPORT_SEED)
    )
    if review.pk is None:
        raise UnknownItem(
            f"patient {patient_id} has no infusion (or no weight and creatinine) to predict from",
            field="patient_id",
            value=patient_id,
        )
    figure = plot_pk_band(review.pk, review.segments, image_format, zone=app.zone)
    return Response(figure, media_type=_MEDIA[image_format])


@router.post("/patients/{patient_id}/observations")
def create_observation(
    patient_id: PathId,
    app: ServicesDep,
    user: PageUser,
    value: FormText = "",
    collected_at: FormText = "",
    code: OptionalText = None,
    name: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Record an observation; the time typed is in the site's time zone."""
    typed = {"value": value, "collected_at": collected_at, "code": code, "name": name}

    def run() -> None:
        body = ObservationCreate.model_validate(
            {
                "code": code or None,
                "name": name or None,
                "value": value,
                "collected_at": read_local_time(collected_at, app, "collected_at"),
            }
        )
        services.record_observation(
            body.to_command(user.user_id, patient_id), app.new_uow(), app.now()
        )

    return run_action(
        app,
        user,
        csrf_token,
        f"/patients/{patient_id}",
        run,
        form=typed,
        done="Observation recorded.",
    )


@router.post("/patients/{patient_id}/recommendations")
def create_recommendation(
    patient_id: PathId,
    app: ServicesDep,
    user: PageUser,
    protocol_id: OptionalText = None,
    csrf_token: OptionalText = None,
) -> RedirectResponse:
    """Ask for the protocol's recommendation from the stored observations (prescriber)."""

    def run() -> None:
        command = RequestRecommendation(user.user_id, patient_id, protocol_id or None)
        services.request_recommendation(command, app.new_uow(), app.calculator, app.now())

    return run_action(
        app, user, csrf_token, f"/patients/{patient_id}", run, done="Recommendation shown below."
    )
