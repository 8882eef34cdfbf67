"""The chat page and the article view: static files, served with a strict CSP.

The pages talk only to the JSON API. The Content-Security-Policy forbids inline script and
every outside origin, so neither a CDN nor an injected script could run on them.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"


def _swagger_ui_dir() -> Path:
    """Swagger UI's files as shipped by the fastapi-offline package (we use nothing else)."""
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def install_pages(app: FastAPI) -> None:
    """The chat page at /, the article view at /read, and /docs with local assets.

    The app must be created with ``docs_url=None`` and ``redoc_url=None``: FastAPI's own
    documentation pages load their scripts from a CDN, which an offline machine cannot reach.
    """
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/docs-assets", StaticFiles(directory=_swagger_ui_dir()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    # HEAD answers as GET does (without the body): monitors and link checkers use it.
    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    @app.api_route("/read", methods=["GET", "HEAD"], include_in_schema=False)
    def article_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "read.html", headers=PAGE_HEADERS)


class NoSniff:
    """``X-Content-Type-Options: nosniff`` on every response, JSON and /docs included, so
    that no browser reads a body as another type than it is sent as."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
            await send(message)

        await self.app(scope, receive, send_with_header)
