"""Sign-in rate limit per client address, applied before any password is hashed.

Each client address has a bucket of ``burst`` sign-in attempts that refills at ``per_minute``
attempts a minute; an attempt with an empty bucket is answered 429 with ``Retry-After`` at once,
so a flood of sign-ins costs the server no argon2 work. Buckets live in the server process (with
several processes each keeps its own, so the allowance is per process); the per-user-and-address
lock-out in the database applies on top.

>>> bucket = TokenBuckets(per_minute=60, burst=2)
>>> [bucket.take("a", now=0.0) for _ in range(3)], bucket.take("a", now=1.0)
([0.0, 0.0, 1.0], 0.0)
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from anakinra_iv.web.middleware import send_json

__all__ = ["SIGN_IN_PATHS", "SignInRateLimitMiddleware", "TokenBuckets"]

SIGN_IN_PATHS = frozenset({"/api/auth/token", "/login"})
"""The addresses that check a password."""

_MAX_CLIENTS = 10_000


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One token bucket per key."""

    def __init__(self, *, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, *, now: float) -> float:
        """Take one token for ``key``: 0 if granted, else the seconds until one is free."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                if len(self._buckets) >= _MAX_CLIENTS:
                    self._forget_full(now)
                bucket = self._buckets[key] = _Bucket(self.burst, now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        full = [
            k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst
        ]
        for key in full or list(self._buckets)[: _MAX_CLIENTS // 10]:
            del self._buckets[key]


class SignInRateLimitMiddleware:
    """Answer 429 to a sign-in beyond the client address's allowance, before it is checked."""

    def __init__(self, app: ASGIApp, *, per_minute: float, burst: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute=per_minute, burst=burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] not in SIGN_IN_PATHS
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.buckets.take(address, now=time.monotonic())
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        if scope["path"] == "/login":  # a person at the sign-in page gets a page
            page = (
                '<!doctype html><html lang="en"><head><meta charset="utf-8">'
                "<title>Too many sign-in attempts</title></head><body><main><h1>Too many "
                f'sign-in attempts</h1><p>Wait {seconds} s, then <a href="/login">sign in'
                "</a> again.</p></main></body></html>"
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 429,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(page)).encode()),
                        (b"retry-after", str(seconds).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": page})
            return
        await send_json(
            send,
            429,
            {
                "code": "too_many_requests",
                "message": f"too many sign-in attempts from this address; wait {seconds} s",
                "field": "username",
            },
            {"Retry-After": str(seconds)},
        )
