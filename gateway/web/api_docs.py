"""The API reference page at /api/v1/docs: the OpenAPI document (/api/v1/openapi.json) shown
for a person by Swagger UI.

Owns the page and the Swagger UI files it loads, served from the installed flask-swagger-ui
package's copy of the Swagger UI distribution (never a CDN: the page works offline and asks
no other host for anything). The page starts Swagger UI from gateway/static/api_docs.js, not
inline script, so it runs under the site's own Content-Security-Policy unchanged.
"""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, render_template, send_from_directory

# Swagger UI's dist folder as the package ships it (swagger-ui-bundle.js, swagger-ui.css...).
SWAGGER_UI_DIST = str(files("flask_swagger_ui") / "dist")
# The files change only with the package: a day's caching, revalidated after.
DIST_MAX_AGE = 24 * 3600

api_docs = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs")


@api_docs.get("")
def page() -> str:
    """The reference; like the document it shows, it needs no key."""
    return render_template("api_docs.html")


@api_docs.get("/swagger-ui/<path:filename>")
def swagger_ui(filename: str) -> Response:
    """One file of the Swagger UI distribution (send_from_directory refuses paths out of it)."""
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=DIST_MAX_AGE)
