"""The web interface: server-rendered pages (Jinja2, htmx, ECharts) over the services.

``install(app)`` mounts the static files, the offline API documentation, the page routes and the
error pages. See docs/web.md for the structure and how to add a page or a translation.
"""

from __future__ import annotations

from safetynet.web.app import install

__all__ = ["install"]
