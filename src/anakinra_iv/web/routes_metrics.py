"""Time to drug on the web: ``GET /api/metrics/time-to-drug`` (bearer token; JSON or CSV) and
the page ``/time-to-drug`` with one small chart per step (``/time-to-drug/{step}.png``).

Roles prescriber, pharmacist, admin and pharmacy lead. Days are the site's; the range is
``from`` to ``to``, both included (the page's default: the last seven days).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from anakinra_iv.bootstrap import Services
from anakinra_iv.errors import InvalidInput
from anakinra_iv.reports.time_to_drug import STEP_LABELS
from anakinra_iv.reports.time_to_drug_export import (
    create_time_to_drug_json,
    write_time_to_drug_csv,
)
from anakinra_iv.reports.time_to_drug_plots import CHART_STEPS, plot_step_chart
from anakinra_iv.web.deps import CurrentUser, PageUser, ServicesDep
from anakinra_iv.web.errors import ERROR_RESPONSES
from anakinra_iv.web.routes._page import render
from anakinra_iv.workflow.time_to_drug import TimeToDrugReport, get_time_to_drug

__all__ = ["router"]

router = APIRouter(responses=ERROR_RESPONSES)

DayText = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (site's day)")]


def _day(text: str | None, name: str, default: date) -> date:
    if text is None or not text.strip():
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"'{name}' must be a date written YYYY-MM-DD (got {text!r})", field=name, value=text
        ) from None


def _report(
    app: Services, user_id: int, first: str | None, last: str | None, period: str
) -> TimeToDrugReport:
    today = app.now().astimezone(app.zone).date()
    to_day = _day(last, "to", today)
    from_day = _day(first, "from", to_day - timedelta(days=6))
    return get_time_to_drug(
        app.new_uow(), user_id, from_day, to_day, app.now(), app.zone, period=period
    )


@router.get("/api/metrics/time-to-drug", tags=["metrics"])
def time_to_drug_api(
    app: ServicesDep,
    user: CurrentUser,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    output_format: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
    period: Annotated[str, Query(max_length=8)] = "range",
) -> Response:
    """Time to drug per period and ward (median, 90th percentile, worst of each step; open
    orders counted apart) and every order's intervals; ``format=csv`` gives the summary rows."""
    report = _report(app, user.user_id, date_from, date_to, period)
    if output_format == "csv":
        return Response(
            write_time_to_drug_csv(report.summaries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="time-to-drug.csv"'},
        )
    return JSONResponse(
        create_time_to_drug_json(
            report.first,
            report.last,
            report.period,
            report.zone,
            report.computed_at,
            report.summaries,
            report.orders,
        )
    )


@router.get("/time-to-drug", response_class=HTMLResponse, include_in_schema=False)
def time_to_drug_page(
    request: Request,
    app: ServicesDep,
    user: PageUser,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> HTMLResponse:
    """The time-to-drug page: per ward, each step's median, 90th percentile and worst."""
    report = _report(app, user.user_id, date_from, date_to, "range")
    return render(
        request,
        "time_to_drug.html",
        app,
        user,
        report=report,
        labels=STEP_LABELS,
        chart_steps=CHART_STEPS,
        query=f"from={report.first.isoformat()}&to={report.last.isoformat()}",
    )


@router.get("/time-to-drug/{step}.png", include_in_schema=False)
def time_to_drug_chart(
    step: str,
    app: ServicesDep,
    user: PageUser,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
) -> Response:
    """One step's chart as PNG."""
    if step not in CHART_STEPS:
        raise InvalidInput(
            f"'step' must be one of {', '.join(CHART_STEPS)} (got {step!r})", field="step"
        )
    report = _report(app, user.user_id, date_from, date_to, "range")
    return Response(
        plot_step_chart(report.orders, step, app.zone, report.first, report.last),
        media_type="image/png",
    )
