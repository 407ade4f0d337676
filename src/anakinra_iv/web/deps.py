"""Dependencies of the routes, declared as ``Annotated`` aliases.

``CurrentUser`` reads a bearer token (API); ``PageUser`` reads the session cookie (pages). Both
return the signed-in user's id and name, once the credential is checked against the user's
current token version (a signed-out, re-passworded or disabled user's old credentials are
refused); services check the role on every call. ``ClientAddress`` is the caller's address.
``PathId``, ``QueryId`` and ``FormId`` are record keys in a path, a query or a form: whole
numbers the database can hold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Path, Query, Request
from fastapi.security import OAuth2PasswordBearer
from pydantic import BeforeValidator

from anakinra_iv.bootstrap import Services
from anakinra_iv.records.unit_of_work import SqlAlchemyUnitOfWork
from anakinra_iv.web.schemas._base import MAX_RECORD_ID
from anakinra_iv.web.security import SESSION_COOKIE, TokenClaims, read_token
from anakinra_iv.workflow.auth import AuthenticationFailed
from anakinra_iv.workflow.services import check_credential

__all__ = [
    "ClientAddress",
    "CurrentUser",
    "FormId",
    "OptionalPageUser",
    "PageUser",
    "PathId",
    "QueryId",
    "ServicesDep",
    "UowDep",
    "get_services",
]


def _digits_only(value: object) -> object:
    """A record key as typed: ASCII digits only ('1_0', ' 10', '١٠' and '+10' name no record)."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be written with the digits 0-9 only")
    return value


_Digits = BeforeValidator(_digits_only)
PathId = Annotated[int, _Digits, Path(ge=1, le=MAX_RECORD_ID)]
QueryId = Annotated[int, _Digits, Query(ge=1, le=MAX_RECORD_ID)]
FormId = Annotated[int, _Digits, Form(ge=1, le=MAX_RECORD_ID)]

_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)


def get_services(request: Request) -> Services:
    """The services the app was created with."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_uow(services: ServicesDep) -> SqlAlchemyUnitOfWork:
    """A fresh unit of work for one use case."""
    return services.new_uow()


UowDep = Annotated[SqlAlchemyUnitOfWork, Depends(get_uow)]


def get_current_user(
    services: ServicesDep, token: Annotated[str | None, Depends(_bearer)]
) -> TokenClaims:
    """The user named by the bearer token; 401 without a valid one."""
    if not token:
        raise AuthenticationFailed(
            "not signed in: send 'Authorization: Bearer <token>' from POST /api/auth/token",
            field="Authorization",
        )
    claims = read_token(
        services.settings.secret_key.get_secret_value(), token, kind="access", now=services.now()
    )
    check_credential(services.new_uow(), claims.user_id, claims.version)
    return claims


CurrentUser = Annotated[TokenClaims, Depends(get_current_user)]


def get_optional_page_user(request: Request, services: ServicesDep) -> TokenClaims | None:
    """The user of the session cookie, or None."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        claims = read_token(
            services.settings.secret_key.get_secret_value(),
            cookie,
            kind="session",
            now=services.now(),
        )
        check_credential(services.new_uow(), claims.user_id, claims.version)
    except AuthenticationFailed:
        return None
    return claims


OptionalPageUser = Annotated[TokenClaims | None, Depends(get_optional_page_user)]


class LoginRequired(Exception):
    """A page needs a signed-in user; the app redirects to the sign-in page."""


def get_page_user(user: OptionalPageUser) -> TokenClaims:
    """The user of the session cookie; pages without one redirect to sign-in."""
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[TokenClaims, Depends(get_page_user)]


def get_client_address(request: Request) -> str:
    """The caller's address (as the server sees it; behind a proxy, configure the server to
    trust the proxy's forwarding headers)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(get_client_address)]
