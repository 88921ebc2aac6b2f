"""Browser-side protection: a CSRF token on every form, and security headers (a Content-Security-Policy that
allows no inline style but the diagrams we draw, and no script but the editor bundle on the editor pages);
and the bounds every request meets before a view (or the login check) reads it: its size, and no NUL
character in its address or form (no database column can hold one)."""
from __future__ import annotations

import base64
import hashlib
import re
from pathlib import PurePath

from flask import Flask, Response, abort, g, request
from flask_wtf.csrf import CSRFProtect
from markupsafe import Markup
from werkzeug.utils import secure_filename

from bpmn_runtime.web.settings import MB, WebSettings

csrf = CSRFProtect()
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
DEPLOYMENTS = frozenset({"api.deploy", "api.check_deployment", "console.upload", "modeler.deploy"})  # routes taking a .bpmn file
NUL = "\x00"


def _hash(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# The style attributes that the editor bundles write as markup (bpmn-js-properties-panel's containers; the
# bpmn.io watermark of form-js and dmn-js). The editor pages allow exactly these, by hash with 'unsafe-hashes',
# rather than any inline style.
EDITOR_STYLE_ATTRIBUTES = ("height: 100%", "flex: none; height: auto",
                           "position: absolute; bottom: 15px; right: 15px; z-index: 100;", "vertical-align:middle")


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


def _bounded(settings: WebSettings) -> None:
    """413 for a body over the route's limit, said before anything reads it; 400 for a NUL character."""
    limit = settings.deploy_limit if request.endpoint in DEPLOYMENTS else settings.body_limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, f"This address accepts requests up to {_size(limit)}"
                   f"{f' (deployments up to {_size(settings.deploy_limit)})' if limit < settings.deploy_limit else ''}.")
    request.max_content_length = limit  # a body sent without a length is cut off at the limit too
    if NUL in request.path or any(NUL in key or NUL in value for key, value in request.args.items(multi=True)):
        abort(400, "The address holds a NUL character (\\u0000), which no text here may contain.")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") and any(
            NUL in str(key) or NUL in str(value) for key, value in request.form.items(multi=True)):
        abort(400, "The form holds a NUL character (\\u0000), which no text here may contain.")


def upload_name(filename: str | None) -> str:
    """An uploaded file's name as it is kept: no path, plain characters only, at most 200 long (the end kept)."""
    name = PurePath(secure_filename(filename or "") or "upload.bpmn")
    suffix = name.suffix[:20]
    return name.stem[:200 - len(suffix)] + suffix


def _size(limit: int) -> str:
    return f"{limit // MB} MB" if limit % MB == 0 else f"{limit} bytes"


def install(app: Flask, settings: WebSettings) -> None:
    """Runs first of the app's request hooks, so an oversized request is refused before the caller is
    looked up; waitress already refuses bodies over the deployment limit (see `serve`)."""
    app.before_request(lambda: _bounded(settings))
    csrf.init_app(app)  # after: its check reads the form
    app.after_request(_headers)
