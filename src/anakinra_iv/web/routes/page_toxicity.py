"""The bedside CAR-T assessment pages: a nurse records an ICANS assessment (the ICE items, or
CAPD for a child below the protocol's age, and the other ICANS domains) or the CRS vital-sign
inputs; the grades are calculated from what is stored and shown with the earlier ones."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anakinra_iv.assessment import get_score_definition
from anakinra_iv.errors import InvalidInput, UnknownItem
from anakinra_iv.web.deps import PageUser, PathId, ServicesDep
from anakinra_iv.web.routes._page import read_local_time, render, run_action
from anakinra_iv.workflow import services
from anakinra_iv.workflow.commands import RecordToxicityAssessment
from anakinra_iv.workflow.toxicity import CRS_ITEMS, ICANS_DOMAINS, list_tool_items

__all__ = ["PAGES", "router"]

router = APIRouter(include_in_schema=False)

PAGES = {"icans": "icans-astct", "crs": "crs-astct"}
"""The page of each recorded score."""

_ALL_TOOL_ITEMS = (*list_tool_items("ice"), *list_tool_items("capd"))


def _options(score: str, tool: str) -> dict[str, list[tuple[str, str]]]:
    """Each item's choices as (value, label), read from the score definitions; booleans are
    yes/no and counts run from 0 to their maximum. No choice is preselected."""
    out: dict[str, list[tuple[str, str]]] = {}
    names = (tool, score)
    for name in names:
        for item, spec in get_score_definition(name).items.items():
            if spec.kind == "boolean":
                out[item] = [("no", "no"), ("yes", "yes")]
            elif spec.kind == "count" and spec.max is not None:
                out[item] = [(str(n), str(n)) for n in range(int(spec.max) + 1)]
            elif spec.options:
                out[item] = [(o, o.replace("_", " ")) for o in spec.options]
    return out


def _score(kind: str) -> str:
    if kind not in PAGES:
        raise UnknownItem(
            f"'kind' must be one of {', '.join(PAGES)} (got '{kind}')", field="kind", value=kind
        )
    return PAGES[kind]


@router.get("/patients/{patient_id}/assessments/{kind}", response_class=HTMLResponse)
def assessment_page(
    request: Request, patient_id: PathId, kind: str, app: ServicesDep, user: PageUser
) -> HTMLResponse:
    """The form of one bedside assessment and the assessments so far."""
    score = _score(kind)
    sheet = services.get_assessment_sheet(app.new_uow(), user.user_id, patient_id, app.now())
    return render(
        request,
        "assessment.html",
        app,
        user,
        sheet=sheet,
        kind=kind,
        score=score,
        tool_items=list_tool_items(sheet.tool),
        domains=ICANS_DOMAINS,
        options=_options(score, sheet.tool),
    )


def _temperature(text: str) -> str:
    """A temperature typed in the form's unit (Cel) unless the nurse typed a unit."""
    stripped = text.strip()
    if not stripped or any(c.isalpha() or c == "[" for c in stripped):
        return stripped
    return f"{stripped} Cel"


@router.post("/patients/{patient_id}/assessments/{kind}")
async def record_assessment(
    request: Request, patient_id: PathId, kind: str, app: ServicesDep, user: PageUser
) -> RedirectResponse:
    """Record the assessment typed into the form; every item is needed and the grade is
    calculated from the items."""
    score = _score(kind)
    form = await request.form()
    names = CRS_ITEMS if score == "crs-astct" else (*_ALL_TOOL_ITEMS, *ICANS_DOMAINS)
    typed: dict[str, str | None] = {
        n: str(form.get(n)) if form.get(n) is not None else None for n in names
    }
    agents = [str(a) for a in form.getlist("vasopressor_agents")]
    none_running = form.get("vasopressor_none") is not None
    typed["vasopressor_agents"] = ",".join(agents)
    typed["vasopressor_none"] = "on" if none_running else None
    typed["collected_at"] = str(form.get("collected_at") or "")
    unable = form.get("unable_to_perform_assessment") is not None
    typed["unable_to_perform_assessment"] = "on" if unable else None
    back = f"/patients/{patient_id}/assessments/{kind}"

    def run() -> str:
        items: dict[str, object] = {
            n: v for n, v in typed.items() if n in names and v is not None and v.strip()
        }
        if score == "crs-astct":
            if agents and none_running:
                raise InvalidInput(
                    "'vasopressor_agents': tick the agents running or 'none', not both",
                    field="vasopressor_agents",
                )
            if not agents and not none_running:
                raise InvalidInput(
                    "'vasopressor_agents' is missing: tick each agent running, or 'none'",
                    field="vasopressor_agents",
                )
            items["vasopressor_agents"] = agents
            items["temperature"] = _temperature(str(items.get("temperature", "")))
        elif unable:
            items["unable_to_perform_assessment"] = True
        at = read_local_time(typed["collected_at"], app, "collected_at")
        if at is None:
            raise InvalidInput("'collected_at' is missing", field="collected_at")
        services.record_toxicity_assessment(
            RecordToxicityAssessment(user.user_id, patient_id, score, items, at),
            app.new_uow(),
            app.now(),
        )
        return back

    return run_action(
        app,
        user,
        str(form.get("csrf_token") or ""),
        back,
        run,
        form=typed,
        done="Assessment recorded; the grade was calculated from it.",
    )
