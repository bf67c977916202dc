"""The web dashboard that ``lumi serve`` shows at ``/``.

It is a static single page (HTML, CSS and JavaScript modules in ``static/``, no build step)
that talks to the same public HTTP API as any client, with the user's API key: the tasks
queue live from ``/tasks/stream`` and ``/batches/stream``, the indexes with their document
counts and settings, and a search preview. Keeping it a plain API client means it can never
see or do more than the key it is given allows. ``lumi.http.dashboard`` serves these files.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
