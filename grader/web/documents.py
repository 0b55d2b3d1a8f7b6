"""Rendered reports served as documents of their own, shown in an iframe on our pages.

A report is a self-contained HTML page with its own <style>; it gets a policy of its own that
lets nothing in it run, load or navigate, and may be framed only by this site.
"""

from __future__ import annotations

from flask import Response

# No script may run in a report at all; its own inline <style> is all it loads.
CSP_DOCUMENT = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'self'; sandbox allow-same-origin"
)


def document_response(html: str) -> Response:
    """Answer ``html`` as a framable, script-free document."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP_DOCUMENT
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response
