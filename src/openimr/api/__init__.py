"""The REST API of the IMR workflow (FastAPI): routers per resource over the services of `openimr.cases`."""

from openimr.api.app import create_app

__all__ = ["create_app"]
