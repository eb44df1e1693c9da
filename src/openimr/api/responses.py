"""Answering with a model serialized once, by pydantic-core, for the hot routes (FastAPI would dump the model to a dict,
validate the dict against the response model again and encode it a third time)."""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel


def json_model(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as a JSON response; declare the model on the route (`response_model=`) for the OpenAPI schema."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
