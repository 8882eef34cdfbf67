"""Bearer-token guard for writes; with no token configured, every write is refused."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from qa.settings import Settings


async def require_writer(request: Request) -> None:
    settings: Settings = request.app.state.settings
    if settings.api_token is None or not settings.api_token.get_secret_value():
        raise HTTPException(403, "writes are disabled on this server: QA_API_TOKEN is not set")
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            "writes need the header 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    expected = settings.api_token.get_secret_value().encode("utf-8")
    if not secrets.compare_digest(token.strip().encode("utf-8"), expected):
        raise HTTPException(403, "the bearer token is not valid")


class WriterRoute(APIRoute):
    """A route that checks the bearer token before anything else, its body included: a
    client without the token learns nothing of what a valid body looks like."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            await require_writer(request)
            return await handler(request)

        return checked
