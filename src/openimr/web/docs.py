"""`/docs` (Swagger UI) and `/redoc` (ReDoc) from the vendored assets in `static/vendor/`, so they work offline."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from openimr.web import STATIC_DIR

STATIC_URL = "/static"


def install_static_and_docs(app: FastAPI) -> None:
    """Serve the package's static files at `/static`, and the API docs from them (create the app with
    `docs_url=None, redoc_url=None`)."""
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")
    vendor = f"{STATIC_URL}/vendor"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url=f"{vendor}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{vendor}/swagger-ui/favicon-32x32.png",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API reference",
            redoc_js_url=f"{vendor}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{vendor}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
