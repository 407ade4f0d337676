"""The application factory."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from anakinra_iv import __version__
from anakinra_iv.bootstrap import Services, create_services
from anakinra_iv.config import get_settings
from anakinra_iv.web import routes_cds, routes_fhir
from anakinra_iv.web.deps import LoginRequired
from anakinra_iv.web.errors import install_error_handlers
from anakinra_iv.web.routes import api, pages
from anakinra_iv.web.routes.pages import INTENDED_USE

__all__ = ["INTENDED_USE", "create_app"]


def create_app(services: Services | None = None) -> FastAPI:
    """Build the app on ``services`` (default: from the environment's settings)."""
    services = services or create_services(get_settings())
    app = FastAPI(
        title="anakinra-iv",
        version=__version__,
        description=INTENDED_USE,
        openapi_url="/openapi.json",
    )
    app.state.services = services
    install_error_handlers(app)

    async def _to_login(request: Request, error: Exception) -> RedirectResponse:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    app.add_exception_handler(LoginRequired, _to_login)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(routes_fhir.router)
    app.include_router(routes_cds.router)
    app.mount(
        "/static", StaticFiles(directory=str(files("anakinra_iv.web") / "static")), name="static"
    )
    return app
