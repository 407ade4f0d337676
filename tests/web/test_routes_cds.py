"""REST: CDS Hooks discovery and a recorded order-sign request."""

from __future__ import annotations

import json
from pathlib import Path

from tests.web.conftest import Api

HOOKS = Path(__file__).parents[1] / "interop" / "hooks"


def test_discovery(api: Api) -> None:
    """GET /cds-services lists the two anakinra services."""
    response = api.client.get("/cds-services")
    assert response.status_code == 200
    assert [s["id"] for s in response.json()["services"]] == [
        "anakinra-order-select",
        "anakinra-order-sign",
    ]


def test_order_sign_returns_cards(api: Api) -> None:
    """The recorded hard-maximum request returns one critical card over HTTP."""
    request = json.loads((HOOKS / "order-sign-hard-max.json").read_text())
    response = api.client.post("/cds-services/anakinra-order-sign", json=request)
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["indicator"] == "critical"


def test_unknown_service_is_404(api: Api) -> None:
    """A service that is not offered answers 404."""
    assert api.client.post("/cds-services/nope", json={}).status_code == 404
