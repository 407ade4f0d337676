"""CDS Hooks endpoints: discovery at ``GET /cds-services`` and ``POST /cds-services/{id}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from anakinra_iv.errors import AnakinraError, UnknownItem
from anakinra_iv.interop.cds_hooks import calculate_cards, get_discovery
from anakinra_iv.web.deps import ServicesDep

__all__ = ["router"]

router = APIRouter(tags=["cds-hooks"])


@router.get("/cds-services")
def discovery() -> dict[str, Any]:
    """The CDS services offered (CDS Hooks discovery)."""
    return get_discovery()


@router.post("/cds-services/{service_id}", response_model=None)
def call_service(
    service_id: str, services: ServicesDep, request: dict[str, Any] = Body(...)
) -> dict[str, Any] | JSONResponse:
    """Cards for the anakinra orders of a hook request."""
    try:
        return calculate_cards(service_id, request, now=services.now())
    except UnknownItem as error:
        return JSONResponse({"detail": error.message}, status_code=404)
    except AnakinraError as error:
        return JSONResponse({"detail": error.message}, status_code=400)
