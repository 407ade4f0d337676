"""The web shell: REST API and server-rendered pages. Only this package speaks HTTP."""

from anakinra_iv.web.app import create_app

__all__ = ["create_app"]
