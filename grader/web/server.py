"""`grader serve`: the web app on waitress, with its worker pool, until Ctrl-C."""

from __future__ import annotations

from collections.abc import Callable

import waitress

from grader.config import Settings
from grader.web import create_app
from grader.web.jobs import EXTENSION

THREADS = 8


def serve(*, settings: Settings, host: str, port: int, echo: Callable[[str], None]) -> None:
    """Create the app (data dir, database, first admin), print how to sign in, and serve."""
    app = create_app({"SETTINGS": settings})
    url = f"http://{host}:{port}"
    echo(f"data folder: {settings.data_dir}")
    first = app.extensions["grader.first_run"]
    if first is not None:
        if first.password:
            echo(
                f"first run: sign in at {url}/login as {first.email} with password "
                f"{first.password} (shown once: change it under your account)"
            )
        else:
            echo(f"first run: sign in at {url}/login as {first.email} with GRADER_ADMIN_PASSWORD")
    if settings.session_cookie_secure:
        echo(
            "cookies are marked Secure: browsers send them over HTTPS (and to localhost) only; "
            "serve behind TLS, or set GRADER_SESSION_COOKIE_SECURE=0 on a trusted network"
        )
    echo(f"serving {url}/login and {url}/dashboard (Ctrl-C to stop)")
    try:
        waitress.serve(app, host=host, port=port, threads=THREADS, ident="flask-grader")
    finally:
        queue = app.extensions[EXTENSION].queue
        if queue is not None:
            queue.stop()
