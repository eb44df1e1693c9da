"""Case files (JSON or YAML, architecture.md): read, validate, and load the documents they point to.

Document paths are relative to the case file and read with `openimr.documents.read_document`. Anything wrong
with a case file is one `OpenIMRError` naming the file and the problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from openimr.errors import OpenIMRError
from openimr.model import Case, Document

_NUMBER_COMMENT = re.compile(r"[ \t]+#\d")
"""A comment that starts with a digit right after a plain value: a quantity ("#60") YAML would drop."""


def _plain_scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        if node.style is None:
            yield node
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _plain_scalars(child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _plain_scalars(key)
            yield from _plain_scalars(value)


def _check_dropped_numbers(text: str) -> None:
    """A plain (unquoted) value followed by " #60" loses the "#60": YAML reads it as a comment. A request's quantity
    is written that way, so say so rather than judge a request without its quantity."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return
    lines = text.splitlines()
    for scalar in _plain_scalars(root):
        line = scalar.end_mark.line
        if line < len(lines) and _NUMBER_COMMENT.match(lines[line], scalar.end_mark.column):
            meant = f"{scalar.value} {lines[line][scalar.end_mark.column :].strip()}"
            raise yaml.YAMLError(
                f"line {line + 1}: the '#' after {scalar.value!r} starts a YAML comment, so what follows it is lost; "
                f"quote the whole value: {json.dumps(meant)}"
            )


def _read_data(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OpenIMRError(f"cannot read the case file ({error.__class__.__name__})", str(path)) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        data = yaml.safe_load(text)
        _check_dropped_numbers(text)
        return data
    except json.JSONDecodeError as error:
        raise OpenIMRError(f"not valid JSON (line {error.lineno}: {error.msg})", str(path)) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or (str(error) if type(error) is yaml.YAMLError else None)
        raise OpenIMRError(f"not valid YAML ({where}{problem or error.__class__.__name__})", str(path)) from None


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {error.error_count() - 1} more problem(s))" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _load_document(document: Document, folder: Path, source: str) -> Document:
    if document.path is None:
        return document
    from openimr.documents import read_document

    file = folder / document.path
    if not file.is_file():
        raise OpenIMRError(f"document {document.id!r}: no such file {document.path!r}", source)
    try:
        read = read_document(file, doc_id=document.id)
    except OpenIMRError as error:
        raise OpenIMRError(f"document {document.id!r}: {error.problem}", source) from None
    return document.model_copy(update={"text": read.text, "page_offsets": read.page_offsets})


def parse_case(data: Any, source: str, folder: Path) -> Case:
    """Validate case-file data and load the documents it points to (paths relative to `folder`)."""
    if not isinstance(data, dict):
        raise OpenIMRError("a case file must be a mapping with 'documents' and 'disputed_items'", source)
    try:
        case = Case.model_validate(data)
    except ValidationError as error:
        raise OpenIMRError(_describe(error), source) from None
    for index, item in enumerate(case.disputed_items):
        if not item.request.strip():
            raise OpenIMRError(f"disputed_items.{index}.request: the request is blank", source)
    documents = [_load_document(d, folder, source) for d in case.documents]
    if not any(d.text.strip() for d in documents):
        raise OpenIMRError("no document has any text", source)
    return case.model_copy(update={"documents": documents})


def load_case(path: Path) -> Case:
    """Read a JSON or YAML case file and the documents it names."""
    if not path.is_file():
        raise OpenIMRError("no such case file", str(path))
    return parse_case(_read_data(path), str(path), path.parent)
