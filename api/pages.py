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

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    @app.get("/read", include_in_schema=False)
    def article_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "read.html", headers=PAGE_HEADERS)
