"""The application factory: routes, error handlers and the middleware around them.

From the outside in: security headers on every answer; access events (record reads, refusals)
recorded after each answer; load shedding (503 with Retry-After); body size limits per route
(413); the sign-in rate limit per client address (429); idempotency keys on POST.
``/docs`` and ``/openapi.json`` are served only when ``Settings.docs_enabled`` (dev by default).
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from anakinra_iv import __version__
from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.config import get_settings
from anakinra_iv.web import routes_cds, routes_fhir, routes_metrics
from anakinra_iv.web.access_log import AccessEventsMiddleware
from anakinra_iv.web.deps import LoginRequired
from anakinra_iv.web.errors import install_error_handlers
from anakinra_iv.web.idempotency import IdempotencyMiddleware
from anakinra_iv.web.middleware import (
    BodySizeLimitMiddleware,
    LoadSheddingMiddleware,
    SecurityHeadersMiddleware,
)
from anakinra_iv.web.routes import api, api_access, api_toxicity, pages
from anakinra_iv.web.routes.pages import INTENDED_USE
from anakinra_iv.web.signin_limit import SignInRateLimitMiddleware

__all__ = ["INTENDED_USE", "create_app"]

_SIGN_IN_BODY_BYTES = 16 * 1024
"""A sign-in form: a 64-character name and a 1000-character password, percent-encoded."""


def create_app(services: Services | None = None) -> FastAPI:
    """Build the app on ``services`` (default: from the environment's settings)."""
    services = services or create_services(get_settings())
    settings = services.settings
    docs = settings.docs_enabled
    app = FastAPI(
        title="anakinra-iv",
        version=__version__,
        description=INTENDED_USE,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    app.state.services = services
    install_error_handlers(app)
    # add_middleware puts each new one outside the ones before it
    app.add_middleware(IdempotencyMiddleware, services=services)
    app.add_middleware(
        SignInRateLimitMiddleware,
        per_minute=settings.login_attempts_per_minute,
        burst=settings.login_burst,
    )
    app.add_middleware(  # a request counts once its body (size-checked outside) has arrived
        LoadSheddingMiddleware,
        limit=settings.max_concurrent_requests,
        body_timeout=settings.body_timeout_seconds,
    )
    app.add_middleware(
        BodySizeLimitMiddleware,
        default=settings.max_body_bytes,
        limits=(
            ("/api/auth/", _SIGN_IN_BODY_BYTES),
            ("/login", _SIGN_IN_BODY_BYTES),
            ("/logout", _SIGN_IN_BODY_BYTES),
            ("/cds-services/", settings.max_cds_body_bytes),
        ),
    )
    app.add_middleware(AccessEventsMiddleware, services=services)
    app.add_middleware(SecurityHeadersMiddleware, docs_paths=("/docs", "/redoc"))

    async def _to_login(request: Request, error: Exception) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    app.add_exception_handler(LoginRequired, _to_login)
    app.include_router(api.router)
    app.include_router(api_access.router)
    app.include_router(api_toxicity.router)
    app.include_router(pages.router)
    app.include_router(routes_fhir.router)
    app.include_router(routes_cds.router)
    app.include_router(routes_metrics.router)
    app.mount(
        "/static", StaticFiles(directory=str(files("anakinra_iv.web") / "static")), name="static"
    )
    return app
