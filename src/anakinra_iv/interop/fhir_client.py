"""A small FHIR REST client: push a Bundle's resources to a server and read them back.

It speaks plain FHIR REST (``PUT [base]/{type}/{id}``, ``GET [base]/{type}/{id}``) over an
``httpx.Client`` the caller builds, so tests pass an in-process server's client and production
passes one with the server's base URL and credentials.
"""

from __future__ import annotations

import httpx
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource

from anakinra_iv.errors import AnakinraError

__all__ = ["FHIR_JSON", "get_remote_resource", "push_bundle"]

FHIR_JSON = "application/fhir+json"


def _raise_for(response: httpx.Response, what: str) -> None:
    if response.is_success:
        return
    detail = response.text[:300]
    raise AnakinraError(
        f"FHIR server refused {what}: HTTP {response.status_code} {detail}", field="fhir_server"
    )


def push_bundle(client: httpx.Client, bundle: Bundle) -> list[str]:
    """PUT every resource of ``bundle`` to the server; return the ``type/id`` written, in order."""
    written = []
    for entry in bundle.entry or []:
        resource = entry.resource
        if resource is None:
            continue
        path = f"{resource.get_resource_type()}/{resource.id}"
        response = client.put(
            path,
            content=resource.model_dump_json(exclude_none=True),
            headers={"Content-Type": FHIR_JSON, "Accept": FHIR_JSON},
        )
        _raise_for(response, f"PUT {path}")
        written.append(path)
    return written


def get_remote_resource(client: httpx.Client, resource_type: str, resource_id: str) -> Resource:
    """GET one resource and validate it with its R4B model."""
    response = client.get(f"{resource_type}/{resource_id}", headers={"Accept": FHIR_JSON})
    _raise_for(response, f"GET {resource_type}/{resource_id}")
    model = get_fhir_model_class(resource_type)
    resource = model.model_validate_json(response.content)
    assert isinstance(resource, Resource)
    return resource
