"""Errors as JSON: ``{"detail": "<a sentence a person can act on>", "errors": [...]?}``.

Nothing a client sends may produce a 500: invalid bodies are 422 with the field and the
reason, oversized ones 413, and anything unforeseen is logged and answered without detail.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.schemas import NO_CONTROL, SOME_TEXT
from index import DiskFullError, StorageError
from qa.documents import LONE_SURROGATE

log = logging.getLogger(__name__)


def error_response(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    content: dict[str, Any] = {"detail": detail}
    if errors is not None:
        content["errors"] = errors
    return JSONResponse(content, status_code=status, headers=headers)


# Validation errors of a string that is empty or only white space: (kind, min, pattern).
EMPTY = {("string_too_short", 1, None), ("string_pattern_mismatch", None, SOME_TEXT)}


def describe_validation_errors(errors: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """One readable sentence for the first problem, and every problem as plain JSON."""
    plain = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        field = ".".join(location)
        message = str(error.get("msg", "is invalid"))
        kind = error.get("type")
        context = error.get("ctx", {})
        if kind == "json_invalid":
            field, message = "", "the request body is not valid JSON"
        elif kind == "missing":
            message = "is required"
        elif kind == "extra_forbidden":
            message = "is not a known field"
        elif kind == "string_unicode":
            message = LONE_SURROGATE
        elif (kind, context.get("min_length"), context.get("pattern")) in EMPTY:
            message = "must not be empty"
        elif kind == "string_pattern_mismatch" and context.get("pattern") == NO_CONTROL:
            message = "must not hold a control character"
        elif not field and kind in ("model_attributes_type", "dict_type"):
            message = "the request body must be a JSON object"
        message = message.removeprefix("Value error, ")
        plain.append({"field": field, "message": message})
    first = plain[0] if plain else {"field": "", "message": "the request is invalid"}
    sentence = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return sentence, plain


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        detail, errors = describe_validation_errors(list(error.errors()))
        return error_response(422, detail, errors)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if isinstance(error.__cause__, UnicodeDecodeError):
            return error_response(422, "the request body is not valid UTF-8")
        if error.status_code == 400 and error.detail == "There was an error parsing the body":
            # Valid JSON that Python's parser refuses: nested too deep, or a number of
            # thousands of digits.
            return error_response(422, "the request body is JSON too deeply nested or too long")
        detail = error.detail if isinstance(error.detail, str) else json.dumps(error.detail)
        headers = dict(error.headers or {})
        if error.status_code == 405:
            # Each route knows only its own methods; the resource has them all.
            headers["Allow"] = ", ".join(_methods_of(request))
        return error_response(error.status_code, detail, headers=headers)

    @app.exception_handler(StorageError)
    async def storage_failed(request: Request, error: StorageError) -> JSONResponse:
        # The index, not the request, is at fault: the cause goes to the log and the client.
        log.error("%s %s: %s", request.method, request.url.path, error)
        return error_response(507 if isinstance(error, DiskFullError) else 503, str(error))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; the server log has the details")


def _methods_of(request: Request) -> list[str]:
    """Every method some route of the app answers at the request's path."""
    path = request.url.path
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.path_regex.match(path):
            methods |= set(route.methods or ())
    return sorted(methods)


class BodySizeLimit:
    """Answers 413 to a body over ``max_bytes``, whether or not it declares its length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail())
            return message

        await self.app(scope, counted_receive, send)

    def _detail(self) -> str:
        return f"the request body is over the limit of {self.max_bytes} bytes"

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, self._detail())(scope, receive, send)
