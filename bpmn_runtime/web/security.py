"""Browser-side protection: the shared session key, a CSRF token on every form, and security headers
(a Content-Security-Policy that allows no inline style but the diagrams we draw, and no script but the
editor bundle on the editor pages)."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets

from flask import Flask, Response, g, request
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from bpmn_runtime.store.database import Database
from bpmn_runtime.store.tables import Setting

csrf = CSRFProtect()
SECRET_SETTING = "web_session_secret"
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)


def shared_secret_key(database: Database) -> str:
    """The key that signs sessions, made once and kept in the database for every node to share."""
    with database.session() as session:
        row = session.get(Setting, SECRET_SETTING)
        if row is not None:
            return row.value
        value = secrets.token_hex(32)
        session.add(Setting(name=SECRET_SETTING, value=value))
        try:
            session.commit()
        except IntegrityError:  # another node made it first: use theirs
            session.rollback()
            return session.get(Setting, SECRET_SETTING).value
        return value


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# The style attributes that the editor bundle writes as markup (bpmn-js-properties-panel's containers). The
# editor pages allow exactly these, by hash with 'unsafe-hashes', rather than any inline style.
EDITOR_STYLE_ATTRIBUTES = ("height: 100%", "flex: none; height: auto")


def trusted_svg(svg: str) -> Markup:
    """Mark an SVG drawn by `bpmn_runtime.web.diagram` safe to embed, and let the policy allow its styles.

    The diagram module builds the SVG with lxml and never copies markup from the file, so the page may
    include it as it is; its <style> elements are allowed by hash, not by 'unsafe-inline'.
    """
    hashes = g.setdefault("style_hashes", set())
    hashes.update(_hash(text) for text in _STYLE.findall(svg))
    return Markup(svg)


def allow_editor_scripts() -> None:
    """Let this page run the editor bundle from this server (static/editor/), call back to it, load the
    editor's font from it, and keep the bundle's few style attributes. Every other page runs no script."""
    g.editor_scripts = True


def _headers(response: Response) -> Response:
    styles = ["'self'", *(f"'sha256-{h}'" for h in sorted(g.get("style_hashes", ())))]
    scripts = ""
    if g.get("editor_scripts"):
        scripts = "script-src 'self'; connect-src 'self'; font-src 'self'; "
        styles += ["'unsafe-hashes'", *(f"'sha256-{_hash(text)}'" for text in EDITOR_STYLE_ATTRIBUTES)]
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; {scripts}style-src {' '.join(styles)}; img-src 'self' data:; form-action 'self'; "
        f"frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"  # pages show private data: keep them out of caches
    return response


def install(app: Flask) -> None:
    csrf.init_app(app)
    app.after_request(_headers)
