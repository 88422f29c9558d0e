"""The files the service sends as they are: the page (shipped in this package) and the API docs' assets.

They are a fixed list, read into memory once when the app is made; a request can only pick one by
its name in that list, so no route opens a file a client names. Swagger UI's script and style
come from the fastapi-offline package, so the docs page loads nothing from the internet.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["DOCS_FILES", "PAGE_FILES", "Asset", "load_assets"]

PAGE_FILES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
DOCS_FILES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}


@dataclass(frozen=True)
class Asset:
    data: bytes
    media_type: str


def load_assets() -> dict[str, Asset]:
    """Every static file by the name it is served under: 'app.js', 'docs/swagger-ui.css', ..."""
    page = resources.files("classifier.serve") / "static"
    assets = {name: Asset((page / name).read_bytes(), kind) for name, kind in PAGE_FILES.items()}
    docs = resources.files("fastapi_offline") / "static"
    assets.update(
        {f"docs/{name}": Asset((docs / name).read_bytes(), kind) for name, kind in DOCS_FILES.items()}
    )
    return assets
