"""What every page route shares: the templates, rendering with the signed-in user, and running
a form action (CSRF check, service call, redirect with a flash message).

Messages after an action travel in a *flash*: a short-lived cookie signed with the server's key
and bound to the page it is for, so that no text in a URL is ever shown as a system message and a
refused form comes back with what was typed. Error messages use the words of the form's labels
(:data:`FIELD_LABELS`), not internal field names, and name the field they concern so that the
error summary links to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Annotated, Any

import jwt
from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from anakinra_iv.bootstrap import Services
from anakinra_iv.errors import AnakinraError, InvalidInput, PermissionDenied, list_problems
from anakinra_iv.reports.display import (
    show_date,
    show_duration,
    show_number,
    show_quantity,
    show_time,
    show_value,
)
from anakinra_iv.units import read_number
from anakinra_iv.web.access_log import note_refusal
from anakinra_iv.web.security import TokenClaims, is_valid_csrf
from anakinra_iv.workflow import queries
from anakinra_iv.workflow.ports import ProtocolInfo

__all__ = [
    "FIELD_LABELS",
    "FLASH_COOKIE",
    "INTENDED_USE",
    "FormText",
    "OptionalText",
    "describe_for_page",
    "list_order_protocols",
    "read_local_time",
    "read_optional_int",
    "render",
    "run_action",
    "templates",
]

INTENDED_USE = (
    "Decision support for qualified clinicians. IV anakinra is off-label. Protocol values are "
    "templates: the institution reviews and approves each one before use."
)
FormText = Annotated[str, Form()]
OptionalText = Annotated[str | None, Form()]
templates = Jinja2Templates(directory=str(files("anakinra_iv.web") / "templates"))
FLASH_COOKIE = "anakinra_flash"
_FLASH_SECONDS = 120
_ALGORITHM = "HS256"

FIELD_LABELS: dict[str, str] = {
    "rate_mg_per_h": "Rate (mg/h)",
    "concentration_mg_per_ml": "Concentration (mg/mL)",
    "rate_ml_per_h": "Pump rate keyed in (mL/h)",
    "daily_dose": "Daily dose",
    "step": "Step",
    "override_reason": "Override reason",
    "renal_decision": "Renal decision",
    "renal_reason": "Reason to keep the dose",
    "reason": "Reason",
    "syringe_lots": "Syringe lots",
    "syringes": "Syringes",
    "drug_amount_mg": "Drug amount on the bag (mg)",
    "final_volume_ml": "Final volume on the bag (mL)",
    "dose_mg": "Dose given (mg)",
    "syringe_lot": "Syringe lot",
    "given_at": "Given at",
    "collected_at": "Collected at",
    "value": "Value",
    "code": "LOINC code",
    "name": "Name",
    "mrn": "MRN",
    "birth_date": "Birth date",
    "sex": "Sex",
    "weight": "Weight",
    "creatinine": "Creatinine",
    "ward": "Ward",
    "bed": "Bed",
    "bag_id": "Bag",
    "event": "Event",
    "at": "Time",
    "note": "Note",
    "confirm_stop": "Confirm the stop",
    "protocol_id": "Protocol",
    "prepared_at": "Prepared at",
    "verification": "Your values",
    "check": "What you read",
    "orientation": "Orientation: year, month, city, hospital (0-4)",
    "naming": "Names 3 objects (0-3)",
    "following_commands": "Follows simple commands (0-1)",
    "writing": "Writes a standard sentence (0-1)",
    "attention": "Counts back from 100 by 10 (0-1)",
    "eye_contact": "Eye contact",
    "purposeful_actions": "Purposeful actions",
    "aware_of_surroundings": "Aware of surroundings",
    "communicates_needs": "Communicates needs",
    "restless": "Restless",
    "inconsolable": "Inconsolable",
    "underactive": "Underactive",
    "slow_to_respond": "Slow to respond",
    "unable_to_perform_assessment": "Unable to perform the assessment",
    "consciousness": "Level of consciousness",
    "seizure": "Seizure",
    "motor_weakness": "Motor weakness",
    "raised_icp": "Raised intracranial pressure / cerebral oedema",
    "attributable_to_other_cause": "Attributable to another cause",
    "temperature": "Temperature",
    "fever_masked_by_treatment": "Fever masked by treatment",
    "hypotension": "Hypotension",
    "vasopressor_agents": "Vasopressors running",
    "oxygen": "Oxygen support",
    "oxygen_flow_l_per_min": "Oxygen flow (L/min)",
    "scanned_patient": "Scan wristband",
    "scanned_bag": "Scan bag label",
    "scan_override_reason": "Scan override reason",
}
"""Internal field name -> the label the form shows for it."""

_QUOTED_FIELD = re.compile(r"'([a-z_]+(?:\.[a-z_0-9]+)*)'")


def _label(name: str) -> str | None:
    return FIELD_LABELS.get(name) or FIELD_LABELS.get(name.split(".")[0])


def _relabel(message: str) -> str:
    """``message`` with quoted internal field names replaced by the form's labels.

    >>> print(_relabel("'reason' is required; 'rate_mg_per_h' 5 mg/h; 'foo' stays"))
    Reason is required; Rate (mg/h) 5 mg/h; 'foo' stays
    """

    def swap(match: re.Match[str]) -> str:
        label = _label(match.group(1))
        return match.group(0) if label is None else label

    return _QUOTED_FIELD.sub(swap, message)


def describe_for_page(error: AnakinraError | ValidationError) -> list[tuple[str, str | None]]:
    """(message in the label's words, field) for each problem of a refused form."""
    if isinstance(error, ValidationError):
        out: list[tuple[str, str | None]] = []
        for problem in error.errors():
            field = ".".join(str(p) for p in problem["loc"]) or None
            label = None if field is None else _label(field)
            out.append((f"{label or field or 'Form'}: {problem['msg']}", field))
        return out
    return [(_relabel(p.message), p.field) for p in list_problems(error)]


def _fmt(value: float | None, unit: str, decimals: int | None = None) -> str:
    return show_quantity(value, unit, decimals)


templates.env.globals.update(
    fmt=_fmt,
    show_value=show_value,
    show_number=show_number,
    show_date=show_date,
    show_duration=show_duration,
    intended_use=INTENDED_USE,
    field_labels=FIELD_LABELS,
)


def read_optional_int(text: str | None, field: str) -> int | None:
    """A whole number typed into the form field ``field``, or None when left empty."""
    if not text or not text.strip():
        return None
    number = read_number(text, field=field)
    if number != int(number) or abs(number) > 2**31:
        raise InvalidInput(
            f"'{field}' must be a whole number (got '{text}')", field=field, value=text
        )
    return int(number)


def read_local_time(text: str | None, app: Services, field: str) -> datetime | None:
    """A ``datetime-local`` form value, read in the site's time zone; empty is None."""
    if not text or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput(
            f"'{field}' must be a date and time such as 2026-01-05T08:00 (got '{text}')",
            field=field,
            value=text,
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=app.zone)


def _read_flash(request: Request, app: Services) -> dict[str, Any]:
    token = request.cookies.get(FLASH_COOKIE)
    if not token:
        return {}
    try:
        data: dict[str, Any] = jwt.decode(
            token,
            app.settings.secret_key.get_secret_value(),
            algorithms=[_ALGORITHM],
            options={"verify_exp": False, "require": ["exp", "path"]},
        )
    except jwt.PyJWTError:
        return {}
    fresh = int(data["exp"]) > int(app.now().timestamp())  # the app's clock, not the host's
    return data if fresh and data.get("path") == request.url.path else {}


def list_order_protocols(app: Services) -> list[ProtocolInfo]:
    """The continuous protocols an order may use, the site's default
    (``ANAKINRA_DEFAULT_PROTOCOL``) first so that a new order form starts on it."""
    infos = [p for p in app.calculator.list_protocol_infos() if p.regimen_kind == "continuous"]
    return sorted(infos, key=lambda p: p.protocol_id != app.settings.default_protocol)


def render(
    request: Request, name: str, app: Services, user: TokenClaims | None, **context: Any
) -> HTMLResponse:
    """A page, with the signed-in user, their roles, the CSRF token and any flash message."""
    me = None if user is None else queries.get_user(app.new_uow(), user.user_id)
    flash = _read_flash(request, app)
    zone = app.zone

    def when(moment: datetime | None, seconds: bool = False) -> str:
        return show_time(moment, zone, seconds=seconds)

    def local_input(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    response = templates.TemplateResponse(
        request,
        name,
        {
            "me": me,
            "roles": set(me.roles) if me else set(),
            "csrf": user.csrf if user else "",
            "message": flash.get("ok"),
            "problems": flash.get("problems", []),
            "form": flash.get("form", {}),
            "now": app.now(),
            "zone": zone.key,
            "when": when,
            "local_input": local_input,
            **context,
        },
    )
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _redirect_with_flash(app: Services, target: str, **flash: Any) -> RedirectResponse:
    response = RedirectResponse(target, 303)
    path = target.split("?", 1)[0].split("#", 1)[0]
    token = jwt.encode(
        {
            "path": path,
            "exp": int((app.now() + timedelta(seconds=_FLASH_SECONDS)).timestamp()),
            **flash,
        },
        app.settings.secret_key.get_secret_value(),
        algorithm=_ALGORITHM,
    )
    response.set_cookie(FLASH_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


def run_action(
    app: Services,
    user: TokenClaims,
    csrf_token: str | None,
    back: str,
    action: Callable[[], str | None],
    *,
    form: Mapping[str, str | None] | None = None,
    done: str = "Saved.",
) -> RedirectResponse:
    """Run a page action: check CSRF, call the service, redirect with a flash message.

    On success the flash says ``done`` (on the page the action returns, or ``back``); on a
    refusal it lists the problems in the label's words and keeps what was typed (``form``).
    """
    kept = {k: v for k, v in (form or {}).items() if v is not None and k != "csrf_token"}
    if not is_valid_csrf(user.csrf, csrf_token):
        problems = [("The form expired: reload the page and try again.", None)]
        return _redirect_with_flash(app, back, problems=problems, form=kept)
    try:
        target = action() or back
    except (AnakinraError, ValidationError) as error:
        if isinstance(error, PermissionDenied):
            note_refusal(error.message)  # an access event, as a 403 would be
        return _redirect_with_flash(app, back, problems=describe_for_page(error), form=kept)
    return _redirect_with_flash(app, target, ok=done)
