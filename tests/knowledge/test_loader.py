"""The knowledge loader turns every broken file into one clear error."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict

from openimr.errors import OpenIMRError
from openimr.knowledge import knowledge_version, parse_knowledge


class _Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    pages: str | None = None


def test_valid_document_loads() -> None:
    assert parse_knowledge("id: opioids\npages: 74-96\n", _Topic, "t.yaml").pages == "74-96"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id: opioids\npagez: 74\n", "pagez"),  # unknown key
        ("pages: 74\n", "id"),  # missing key
        ("id: [unclosed\n", "not valid YAML"),
        ("", "(top level)"),
    ],
)
def test_broken_documents_name_file_and_problem(text: str, problem: str) -> None:
    with pytest.raises(OpenIMRError) as caught:
        parse_knowledge(text, _Topic, "topics/t.yaml")
    message = str(caught.value)
    assert message.startswith("topics/t.yaml: ")
    assert problem in message
    assert "\n" not in message


def test_version_is_a_stable_digest() -> None:
    assert knowledge_version() == knowledge_version()
    assert len(knowledge_version()) == 12
