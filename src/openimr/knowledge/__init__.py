"""The knowledge base: guideline catalogue, topics and lexicons as YAML inside the package, validated on load.

Knowledge is data; this module only finds, reads and validates it. Every file is checked against a pydantic
model that forbids unknown keys, so a typo in a knowledge file is an error naming the file, not a silent default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from openimr.errors import OpenIMRError

M = TypeVar("M", bound=BaseModel)

_ROOT = "openimr.knowledge"


def knowledge_files(folder: str) -> Iterator[Traversable]:
    """The YAML files of one knowledge folder (e.g. "topics"), in name order."""
    base = resources.files(_ROOT).joinpath(folder)
    yield from sorted((f for f in base.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def parse_knowledge(text: str, model: type[M], source: str) -> M:
    """Validate one knowledge document against `model`; any problem is an `OpenIMRError` naming `source`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise OpenIMRError(f"not valid YAML ({error.__class__.__name__})", source) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise OpenIMRError(f"{where}: {first['msg']} ({error.error_count()} problem(s))", source) from None


def load_knowledge(path: str, model: type[M]) -> M:
    """Load and validate one packaged knowledge file, e.g. `load_knowledge("lexicons/drugs.yaml", DrugLexicon)`."""
    resource = resources.files(_ROOT).joinpath(path)
    return parse_knowledge(resource.read_text(encoding="utf-8"), model, f"knowledge/{path}")


@cache
def knowledge_version() -> str:
    """A short digest of every packaged knowledge file: stored with each draft so a decision can be traced to its rules."""
    digest = hashlib.sha256()

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".yaml"):
                digest.update(f"{prefix}{child.name}\n".encode())
                digest.update(child.read_bytes())

    walk(resources.files(_ROOT), "")
    return digest.hexdigest()[:12]
