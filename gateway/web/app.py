"""The Flask application factory: settings (and optionally a database) in, a WSGI app out.

Owns app construction: security set-up, compression and static caching
(gateway.web.http_caching), the blueprints, and where views find their dependencies
(app.extensions["gateway"]). Must not hold domain rules: views call gateway.core.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib.resources import files

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway.core.reply_addresses import ReplyKeys
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.web.api import api, api_http_error, is_api_request
from gateway.web.api_docs import api_docs
from gateway.web.context import WebContext, refuse_ids_past_the_stored_range
from gateway.web.files import files as files_blueprint
from gateway.web.http_caching import compress_responses, fingerprint_static_files
from gateway.web.inbox import inbox
from gateway.web.live import live
from gateway.web.moderation import moderation
from gateway.web.navigation import navigation_context
from gateway.web.preferences import preferences
from gateway.web.request_db import end_request_reads
from gateway.web.room_accounts import room_accounts
from gateway.web.room_admin import room_admin
from gateway.web.room_members import room_members
from gateway.web.room_mute import room_mute
from gateway.web.rooms import rooms
from gateway.web.search import search
from gateway.web.security import csrf, protect
from gateway.web.session_user import load_signed_in_user
from gateway.web.signin import signin
from gateway.web.site import site
from gateway.web.time_display import register_time_filters
from gateway.web.unread import unread

TEMPLATE_DIR = str(files("gateway.templates") / "web")
STATIC_DIR = str(files("gateway") / "static")
BLUEPRINTS = (
    site,
    signin,
    inbox,
    preferences,
    rooms,
    files_blueprint,
    room_admin,
    room_members,
    moderation,
    room_accounts,
    room_mute,
    search,
    live,
    unread,
    api,
    api_docs,
)
# Form posts other than attachments are small; uploads are checked against the attachment
# limits by the room views, and this cap only stops a request far beyond them.
FORM_OVERHEAD_BYTES = 1024 * 1024


def create_app(
    settings: Settings,
    database: Database | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
) -> Flask:
    app = Flask(__name__, template_folder=TEMPLATE_DIR, static_folder=STATIC_DIR)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.attachment_max_bytes + FORM_OVERHEAD_BYTES,
    )
    app.extensions["gateway"] = WebContext(
        settings=settings,
        database=database or Database(settings.database_url),
        keys=ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key),
        **({"clock": clock} if clock else {}),
    )
    protect(app, settings)
    compress_responses(app)
    fingerprint_static_files(app)
    if settings.web_trusted_proxies:
        # The client's address and scheme as the proxies saw them (sign-in throttling
        # counts by address); only as many hops as there are trusted proxies.
        hops = settings.web_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.url_value_preprocessor(refuse_ids_past_the_stored_range)
    app.before_request(load_signed_in_user)
    app.teardown_request(end_request_reads)
    # The API authenticates every call with a bearer key, not a cookie: no CSRF to forge.
    csrf.exempt(api)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _error_response)
    register_time_filters(app)

    @app.context_processor
    def site_globals() -> dict[str, object]:
        return {
            "site_name": settings.site_name,
            "mail_domain": settings.mail_domain,
            **navigation_context(),
        }

    return app


def _error_response(error: HTTPException) -> HTTPException | Response:
    """Unknown API paths, wrong methods and failures answer the API's JSON error shape;
    a page a browser asked for answers in the site's own layout, saying what went wrong and
    where to go; a script that asked for JSON gets the error as it is."""
    if is_api_request():
        return api_http_error(error)
    if (error.code or 500) < 400 or request.accept_mimetypes.best == "application/json":
        return error
    response = error.get_response()
    response.set_data(render_template("error.html", error=error))
    response.mimetype = "text/html"
    return response
