"""ASGI middleware of the app: security headers, load shedding and request body limits.

* Every response carries a Content-Security-Policy that allows no inline script (scripts come
  from ``/static`` only; the one inline style allowed is the report's own, by its hash),
  ``frame-ancestors 'none'``, ``nosniff`` and ``Referrer-Policy: no-referrer``; every answer
  but the app's static files carries ``Cache-Control: no-store``.
* More requests in progress than ``Settings.max_concurrent_requests`` are shed at once with 503
  and ``Retry-After`` instead of queueing until something times out. A request counts once its
  body has arrived; a body slower than ``Settings.body_timeout_seconds`` is answered 408; the
  health checks are never shed.
* A request body larger than its route allows (``Content-Length``, or counted while it
  streams) is refused with 413 before the route reads it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib.resources import files
from typing import Any

import anyio
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CACHEABLE_PREFIXES",
    "UNSHED_PATHS",
    "BodySizeLimitMiddleware",
    "LoadSheddingMiddleware",
    "SecurityHeadersMiddleware",
    "create_content_security_policy",
    "send_json",
]


def _report_style_hash() -> str:
    template = files("anakinra_iv.reports").joinpath("templates/document.html").read_text()
    found = re.search(r"<style>(.*?)</style>", template, re.S)
    text = found.group(1) if found else ""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"


def create_content_security_policy() -> str:
    """The policy of every page: same-origin scripts and styles only, no framing."""
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src 'self' {_report_style_hash()}; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src 'self' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> None:
    """Answer with a JSON body (the API's error shape)."""
    data = json.dumps(body).encode("utf-8")
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


CACHEABLE_PREFIXES: tuple[str, ...] = ("/static/",)
"""Paths whose answers hold no patient data (style sheets, scripts, images of the app): every
other answer carries ``Cache-Control: no-store``, so that a shared ward workstation's browser
keeps no patient's record after sign-out."""


class SecurityHeadersMiddleware:
    """Add the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp, *, docs_paths: tuple[str, ...] = ()) -> None:
        self.app = app
        self.policy = create_content_security_policy()
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in self.docs_paths
        cacheable = scope["path"].startswith(CACHEABLE_PREFIXES)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = _DOCS_POLICY if docs else self.policy
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers["X-Frame-Options"] = "DENY"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not cacheable:  # patient data must not outlive the session in a cache
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


UNSHED_PATHS: tuple[str, ...] = ("/api/health", "/api/ready")
"""Paths never shed nor delayed: a load balancer must see a busy node as alive."""


async def _read_whole_body(receive: Receive) -> list[Message]:
    """Every message of the request body, up to its last part (or the client's disconnect)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


class LoadSheddingMiddleware:
    """Answer 503 with ``Retry-After`` when too many requests are already in progress.

    A request counts only once its whole body has arrived, and a body that does not arrive
    within ``body_timeout`` seconds is answered 408 (so idle clients sending a body byte by
    byte hold no place and are let go). ``/api/health`` and ``/api/ready`` are never shed.
    """

    def __init__(
        self, app: ASGIApp, *, limit: int, retry_after: int = 1, body_timeout: float = 10.0
    ) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after
        self.body_timeout = body_timeout
        self.in_progress = 0
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNSHED_PATHS:
            await self.app(scope, receive, send)
            return
        messages: list[Message] | None = None
        with anyio.move_on_after(self.body_timeout):
            messages = await _read_whole_body(receive)
        if messages is not None:
            await self._serve(scope, messages, receive, send)
            return
        await send_json(
            send,
            408,
            {
                "code": "request_timeout",
                "message": f"'body' did not arrive within {self.body_timeout:g} s",
                "field": "body",
            },
            {"Connection": "close"},
        )

    async def _serve(
        self, scope: Scope, messages: list[Message], receive: Receive, send: Send
    ) -> None:
        if self.in_progress >= self.limit:
            self.shed += 1
            await send_json(
                send,
                503,
                {
                    "code": "overloaded",
                    "message": f"the server is busy ({self.limit} requests in progress); retry "
                    f"in {self.retry_after} s",
                    "field": None,
                },
                {"Retry-After": str(self.retry_after)},
            )
            return
        waiting = iter(messages)

        async def replaying_receive() -> Message:
            return next(waiting, None) or await receive()

        self.in_progress += 1  # one event loop per process: no lock is needed
        try:
            await self.app(scope, replaying_receive, send)
        finally:
            self.in_progress -= 1


class BodySizeLimitMiddleware:
    """Refuse a request body over its route's limit with 413 (JSON naming ``body``).

    ``limits`` pairs a path prefix with its limit in bytes; the first matching prefix wins and
    ``default`` applies otherwise.
    """

    def __init__(self, app: ASGIApp, *, default: int, limits: tuple[tuple[str, int], ...]):
        self.app = app
        self.default = default
        self.limits = limits

    def limit_for(self, path: str) -> int:
        """The body limit of ``path``."""
        return next((size for prefix, size in self.limits if path.startswith(prefix)), self.default)

    async def _refuse(self, send: Send, limit: int) -> None:
        await send_json(
            send,
            413,
            {
                "code": "body_too_large",
                "message": f"'body' is larger than the {limit} bytes this address accepts",
                "field": "body",
            },
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, f"'body' is larger than the {limit} bytes accepted")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as error:
            if error.status_code != 413 or started:
                raise
            await self._refuse(send, limit)
