"""What every page route shares: the templates, rendering with the signed-in user, and running
a form action (CSRF check, service call, redirect with the message or the error)."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from anakinra_iv.bootstrap import Services
from anakinra_iv.errors import AnakinraError, InvalidInput, PermissionDenied
from anakinra_iv.units import Q_, format_quantity, read_number
from anakinra_iv.web.access_log import note_refusal
from anakinra_iv.web.security import TokenClaims, is_valid_csrf
from anakinra_iv.workflow import queries

__all__ = [
    "INTENDED_USE",
    "FormText",
    "OptionalText",
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


def _fmt(value: float | None, unit: str, decimals: int = 2) -> str:
    return "—" if value is None else format_quantity(Q_(value, unit), unit, decimals)


templates.env.globals.update(fmt=_fmt, intended_use=INTENDED_USE)


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


def _describe_refusal(error: ValidationError) -> str:
    """The problems of a form the schemas refused, each naming its field."""
    return "; ".join(
        f"'{'.'.join(str(part) for part in problem['loc']) or 'form'}': {problem['msg']}"
        for problem in error.errors()
    )


def render(
    request: Request, name: str, app: Services, user: TokenClaims | None, **context: Any
) -> HTMLResponse:
    """A page, with the signed-in user, their roles, the CSRF token and any message."""
    me = None if user is None else queries.get_user(app.new_uow(), user.user_id)
    return templates.TemplateResponse(
        request,
        name,
        {
            "me": me,
            "roles": set(me.roles) if me else set(),
            "csrf": user.csrf if user else "",
            "message": request.query_params.get("msg"),
            "error": request.query_params.get("error"),
            "now": app.now(),
            **context,
        },
    )


def run_action(
    user: TokenClaims, csrf_token: str | None, back: str, action: Callable[[], str | None]
) -> RedirectResponse:
    """Run a page action: check CSRF, call the service, redirect with its message or error."""
    sep = "&" if "?" in back else "?"
    if not is_valid_csrf(user.csrf, csrf_token):
        return RedirectResponse(f"{back}{sep}error={quote('form expired: reload the page')}", 303)
    try:
        target = action() or back
        return RedirectResponse(f"{target}{sep if target == back else '?'}msg=done", 303)
    except AnakinraError as error:
        if isinstance(error, PermissionDenied):
            note_refusal(error.message)  # an access event, as a 403 would be
        return RedirectResponse(f"{back}{sep}error={quote(error.message)}", 303)
    except ValidationError as error:
        return RedirectResponse(f"{back}{sep}error={quote(_describe_refusal(error))}", 303)
