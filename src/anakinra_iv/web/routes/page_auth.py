"""Sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anakinra_iv.errors import AnakinraError
from anakinra_iv.web.deps import ClientAddress, OptionalPageUser, PageUser, ServicesDep
from anakinra_iv.web.routes._page import FormText, OptionalText, render
from anakinra_iv.web.security import SESSION_COOKIE, create_token, is_valid_csrf
from anakinra_iv.workflow import services

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, app: ServicesDep, next: str = "/") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", app, None, next=next)


@router.post("/login")
def login(
    request: Request,
    app: ServicesDep,
    username: FormText,
    password: FormText,
    client: ClientAddress,
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in and set the session cookie."""
    try:
        user = services.authenticate(
            username, password, app.new_uow(), app.hasher, app.policy, app.now(), client=client
        )
    except AnakinraError as error:
        page = render(request, "login.html", app, None, next=next, login_error=error.message)
        page.status_code = 401
        return page
    token = create_token(
        app.settings.secret_key.get_secret_value(),
        user_id=user.id,
        username=user.username,
        kind="session",
        minutes=app.settings.session_minutes,
        now=app.now(),
        version=user.token_version,
    )
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=app.settings.secure_cookies,
        max_age=app.settings.session_minutes * 60,
    )
    return response


@router.post("/logout")
def logout(app: ServicesDep, user: PageUser, csrf_token: OptionalText = None) -> RedirectResponse:
    """Sign out: the session ends on the server (every credential of the user is revoked) and
    the cookie is removed."""
    response = RedirectResponse("/login", status_code=303)
    if is_valid_csrf(user.csrf, csrf_token):
        services.sign_out(app.new_uow(), user.user_id, app.now())
        response.delete_cookie(SESSION_COOKIE, secure=app.settings.secure_cookies, httponly=True)
    return response


@router.get("/favicon.ico", include_in_schema=False)
def favicon(user: OptionalPageUser) -> Response:
    """No icon."""
    return Response(status_code=204)
