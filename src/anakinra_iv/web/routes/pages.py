"""Server-rendered pages: board, patients, order entry, pharmacy, nursing, protocols, audit.

One module per area (``page_*``); forms post back with the session's CSRF token, and after an
action the browser is redirected (post/redirect/get) with a message or the error, which names
the field.
"""

from __future__ import annotations

from fastapi import APIRouter

from anakinra_iv.web.routes import (
    page_admin,
    page_auth,
    page_orders,
    page_patients,
    page_pharmacy,
    page_scan,
    page_toxicity,
    page_ward,
)
from anakinra_iv.web.routes._page import INTENDED_USE, templates

__all__ = ["INTENDED_USE", "router", "templates"]

router = APIRouter(include_in_schema=False)
for _area in (
    page_auth,
    page_ward,
    page_patients,
    page_toxicity,
    page_orders,
    page_pharmacy,
    page_admin,
):
    router.include_router(_area.router)
router.include_router(page_scan.router)
