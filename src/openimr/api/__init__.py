"""The REST API of the IMR workflow (FastAPI): a thin adapter over `openimr.cases.service.Workflow`."""

from openimr.api.app import Settings, create_app

__all__ = ["Settings", "create_app"]
