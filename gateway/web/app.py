"""The Flask application factory: settings and database in, a WSGI app out.

Owns app construction and where the web adapters find their dependencies (app.extensions).
Must not hold domain rules: views call gateway.core.
"""

from __future__ import annotations

from importlib.resources import files

from flask import Flask

from gateway.core.reply_addresses import ReplyKeys
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.web.context import WebContext
from gateway.web.site import site

TEMPLATE_DIR = str(files("gateway.templates") / "web")


def create_app(settings: Settings, database: Database) -> Flask:
    app = Flask(__name__, template_folder=TEMPLATE_DIR)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=1024 * 1024)
    app.extensions["gateway"] = WebContext(
        settings=settings,
        database=database,
        keys=ReplyKeys.from_secrets(settings.secret_key, settings.previous_secret_key),
    )
    app.register_blueprint(site)

    @app.context_processor
    def site_globals() -> dict[str, str]:
        return {"site_name": settings.site_name, "mail_domain": settings.mail_domain}

    return app
