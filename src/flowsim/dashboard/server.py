"""Serving the dashboard: Solara's Starlette app under uvicorn, bound to one host and port.

Solara finds the page to serve through the ``SOLARA_APP`` environment variable, read when
its server module is first imported; :func:`serve` sets it to :mod:`flowsim.dashboard.app`
and switches off what a local, offline page does not want (telemetry, reloading on file
changes).
"""

from __future__ import annotations

import os
import socket
import warnings
from collections.abc import Callable
from pathlib import Path

from flowsim.errors import UserError

APP = "flowsim.dashboard.app:Page"


def check_port(host: str, port: int) -> None:
    """Raise :class:`UserError` if ``host:port`` cannot be listened on (taken, or not this machine's)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            raise UserError(
                f"cannot serve the dashboard on {host}:{port} ({err.strerror or err}). Choose another port with "
                "--port (e.g. --port 8766), or another address with --host.") from None


def serve(scenario_file: str | None = None, *, host: str = "127.0.0.1", port: int = 8765,
          folder: str | Path = "scenarios", announce: Callable[[str], None] = print) -> None:
    """Serve the page until interrupted.

    Args:
        scenario_file: the scenario the page opens on (default: the baseline).
        host: address to listen on; 127.0.0.1 keeps the page on this machine.
        port: port to listen on.
        folder: where the shipped scenarios (and ``what_if/``) are looked for.
        announce: called with the page's address once the server is about to listen.
    """
    check_port(host, port)
    # served over plain http on a numeric address, Solara warns on every page load that it
    # cannot set the cookie it would want inside an iframe; the page is not embedded
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    os.environ["SOLARA_APP"] = APP
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    import uvicorn

    from flowsim.dashboard.app import configure

    configure(scenario_file, folder)
    import solara.server.settings as settings

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    settings.theme.title = "flowsim dashboard"
    from solara.server.starlette import app

    shown = f"[{host}]" if ":" in host else host
    announce(f"flowsim dashboard: http://{shown}:{port}  (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
