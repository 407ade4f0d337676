"""``Idempotency-Key`` on every POST: a repeat gets the first answer, never a second write.

A POST that carries the header is claimed under (user, key) before it runs; a repeat with the
same key and the same request gets the stored first answer (with ``Idempotent-Replayed:
true``); the same key with another request is refused (422), one still running is 409 with
``Retry-After``, and one whose changes were committed but whose answer was lost (the server
stopped between the two) is 409 naming the record it wrote. Sign-in is never stored (its answer
is a credential): a repeat signs in again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anakinra_iv.bootstrap import Services
from anakinra_iv.records.idempotency import CURRENT_CLAIM
from anakinra_iv.web.access_log import read_credential_user_id
from anakinra_iv.web.middleware import send_json
from anakinra_iv.web.signin_limit import SIGN_IN_PATHS
from anakinra_iv.workflow.idempotency import Claim, claim_request, finish_request

__all__ = ["HEADER", "IdempotencyMiddleware"]

HEADER = b"idempotency-key"
_MAX_KEY = 255


def _problem(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "field": "Idempotency-Key"}


class IdempotencyMiddleware:
    """Claim, replay or refuse POSTs by their Idempotency-Key."""

    def __init__(self, app: ASGIApp, *, services: Services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        raw_key = headers.get(HEADER)
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or raw_key is None
            or scope["path"] in SIGN_IN_PATHS
        ):
            await self.app(scope, receive, send)
            return
        key = raw_key.decode("latin-1")
        if not 1 <= len(key) <= _MAX_KEY or not all(33 <= ord(c) <= 126 for c in key):
            await send_json(
                send,
                422,
                _problem(
                    "invalid_input",
                    f"'Idempotency-Key' must be 1 to {_MAX_KEY} visible ASCII characters",
                ),
            )
            return
        body, more = await self._read_body(receive)
        fingerprint = hashlib.sha256(
            b"\n".join(
                [
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    headers.get(b"content-type", b""),
                    body,
                ]
            )
        ).hexdigest()
        user = read_credential_user_id(self.services, scope)
        claim_scope = f"user:{user}" if user is not None else f"anon:{fingerprint[:40]}"
        services = self.services
        claim: Claim = await anyio.to_thread.run_sync(
            lambda: claim_request(
                services.new_uow(),
                claim_scope,
                key,
                fingerprint,
                services.now(),
                services.settings.idempotency_hours,
            )
        )
        if claim.outcome != "new":
            await self._answer_repeat(send, claim)
            return
        await self._run(scope, self._replay_body(body, more, receive), send, claim_scope, key)

    @staticmethod
    async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
        chunks: list[bytes] = []
        others: list[Message] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                others.append(message)
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks), others

    @staticmethod
    def _replay_body(body: bytes, others: list[Message], receive: Receive) -> Receive:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            if others:
                return others.pop(0)
            return await receive()

        return replay

    async def _answer_repeat(self, send: Send, claim: Claim) -> None:
        stored = claim.stored
        if claim.outcome == "replay" and stored is not None:
            headers = [(b"idempotent-replayed", b"true")]
            if stored.content_type:
                headers.append((b"content-type", stored.content_type.encode("latin-1")))
            if stored.location:
                headers.append((b"location", stored.location.encode("latin-1")))
            body = stored.body or b""
            headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": stored.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if claim.outcome == "mismatch":
            await send_json(
                send,
                422,
                _problem(
                    "idempotency_key_reused",
                    "'Idempotency-Key' was already used for another request; use a new key",
                ),
            )
            return
        if claim.outcome == "applied" and stored is not None:
            await send_json(
                send,
                409,
                _problem(
                    "idempotency_key_applied",
                    f"the first request with this 'Idempotency-Key' was applied ({stored.entity}) "
                    "but its answer was lost; read the record instead of sending it again",
                ),
            )
            return
        await send_json(
            send,
            409,
            _problem(
                "idempotency_key_in_progress",
                "a request with this 'Idempotency-Key' is still being served (or was cut off "
                f"before it finished); retry in {claim.retry_after} s",
            ),
            {"Retry-After": str(claim.retry_after)},
        )

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, claim_scope: str, key: str
    ) -> None:
        status = 500
        content_type: str | None = None
        location: str | None = None
        chunks: list[bytes] = []

        async def capturing_send(message: Message) -> None:
            nonlocal status, content_type, location
            if message["type"] == "http.response.start":
                status = int(message["status"])
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
                    elif name.lower() == b"location":
                        location = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        token = CURRENT_CLAIM.set((claim_scope, key))
        try:
            await self.app(scope, receive, capturing_send)
        finally:
            CURRENT_CLAIM.reset(token)
            services = self.services
            body = b"".join(chunks)
            await anyio.to_thread.run_sync(
                lambda: finish_request(
                    services.new_uow(),
                    claim_scope,
                    key,
                    status=status,
                    content_type=content_type,
                    location=location,
                    body=body,
                )
            )
