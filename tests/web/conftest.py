from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

with warnings.catch_warnings():
    # starlette asks for its httpx fork; the pinned httpx works the same for these tests
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from anakinra_iv.bootstrap import Services
from anakinra_iv.web.app import create_app
from tests.workflow_support.fixtures import PASSWORD, STAFF, Ward, clock, engine, services, ward

__all__ = ["api", "clock", "engine", "services", "ward"]


class Api:
    """A test client with one bearer token per staff member."""

    def __init__(self, client: TestClient, ward: Ward) -> None:
        self.client = client
        self.ward = ward
        self._tokens: dict[str, str] = {}

    def token(self, who: str) -> str:
        if who not in self._tokens:
            response = self.client.post(
                "/api/auth/token",
                data={"username": STAFF[who][0] if who in STAFF else who, "password": PASSWORD},
            )
            assert response.status_code == 200, response.text
            self._tokens[who] = response.json()["access_token"]
        return self._tokens[who]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(who)}"}

    def post(self, who: str, url: str, json: object = None):  # type: ignore[no-untyped-def]
        return self.client.post(url, json=json, headers=self.headers(who))

    def get(self, who: str, url: str):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self.headers(who))


@pytest.fixture
def api(ward: Ward, services: Services) -> Iterator[Api]:
    """The app over the staffed ward, with a client."""
    with TestClient(create_app(services)) as client:
        yield Api(client, ward)
