"""`/docs` and `/redoc` load every asset from the server itself: they work offline."""

from __future__ import annotations

import re
from typing import Any

import pytest


@pytest.mark.parametrize(("page", "marker"), [("/docs", "SwaggerUIBundle"), ("/redoc", "<redoc")])
def test_api_docs_load_only_local_assets(api: Any, page: str, marker: str) -> None:
    html = api.anonymous.get(page)
    assert html.status_code == 200 and marker in html.text
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html.text) + re.findall(r"""url:\s*'([^']+)'""", html.text)
    assets = [u for u in urls if not u.startswith("/openapi.json")]
    assert assets, "the page names its script"
    for url in assets:
        assert url.startswith("/static/vendor/"), f"{page} loads {url} from elsewhere"
        fetched = api.anonymous.get(url)
        assert fetched.status_code == 200 and len(fetched.content) > 500, url
    assert api.anonymous.get("/openapi.json").json()["info"]["title"] == "openimr case management"
