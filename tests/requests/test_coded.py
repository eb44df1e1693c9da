"""Coded requests: every lexicon code gives a request text that parses back to its entry, and a coded item selects
the same topic as the item written out."""

from __future__ import annotations

import pytest

from openimr.knowledge.lexicons import CodedEntry, CodeSystem, code_index
from openimr.requests import parse_request
from openimr.requests.coded import coded_entry, coded_request, names_entry
from openimr.review.topics import select_topic

_ALL_CODES = sorted(code_index().values(), key=lambda e: (e.system, e.code))


@pytest.mark.parametrize("entry", _ALL_CODES, ids=lambda e: f"{e.system}-{e.code}")
def test_every_code_text_parses_back_to_its_entry(entry: CodedEntry) -> None:
    for quantity in (None, 12):
        treatment = parse_request(coded_request(entry, quantity=quantity))
        assert names_entry(treatment, entry), treatment
        if entry.body_part:
            assert entry.body_part in treatment.body_parts
        if quantity and entry.drug:
            assert treatment.quantity == quantity


@pytest.mark.parametrize(
    ("system", "code", "quantity", "body_site", "written"),
    [
        (CodeSystem.RXNORM, "21949", 90, None, "Cyclobenzaprine 7.5mg #90"),
        (CodeSystem.RXNORM, "10689", 30, None, "Tramadol ER 150mg #30"),
        (CodeSystem.RXNORM, "25480", 90, None, "Neurontin 600mg #90"),
        (CodeSystem.RXNORM, "7646", 60, None, "Prilosec 20mg #60"),
        (CodeSystem.CPT, "72148", None, None, "MRI of the lumbar spine without contrast"),
        (CodeSystem.CPT, "73221", None, "right shoulder", "MRI right shoulder"),
        (CodeSystem.CPT, "97110", 12, "lumbar spine", "Physical therapy 2x6 for the lumbar spine"),
        (CodeSystem.CPT, "98940", 6, "cervical spine", "Chiropractic treatment x6 cervical spine"),
        (CodeSystem.CPT, "97810", 6, None, "Acupuncture, 6 sessions"),
        (CodeSystem.CPT, "95886", None, "bilateral lower extremities", "EMG/NCV of the bilateral lower extremities"),
        (CodeSystem.CPT, "64483", None, None, "Lumbar transforaminal epidural steroid injection at L4-L5"),
        (CodeSystem.CPT, "29827", None, None, "Arthroscopic rotator cuff repair, right shoulder"),
        (CodeSystem.CPT, "80305", None, None, "Urine drug screen"),
        (CodeSystem.HCPCS, "E0730", None, None, "TENS unit purchase"),
    ],
)
def test_coded_and_written_items_select_the_same_topic(
    system: CodeSystem, code: str, quantity: int | None, body_site: str | None, written: str
) -> None:
    entry = coded_entry(system, code)
    assert entry is not None
    coded = parse_request(coded_request(entry, quantity=quantity, body_site=body_site))
    text = parse_request(written)
    assert (coded.kind, coded.name, coded.generic, coded.drug_class) == (text.kind, text.name, text.generic, text.drug_class)
    assert set(coded.body_parts) == set(text.body_parts)
    assert names_entry(text, entry)
    coded_topic, text_topic = select_topic(coded), select_topic(text)
    assert coded_topic is not None
    assert text_topic is not None
    assert coded_topic.id == text_topic.id


@pytest.mark.parametrize(
    ("system", "code", "written"),
    [
        (CodeSystem.RXNORM, "5489", "Norco 10/325mg #60"),
        (CodeSystem.RXNORM, "161", "Norco 10/325mg #60"),
        (CodeSystem.CPT, "95907", "EMG/NCV of the upper extremities"),
        (CodeSystem.CPT, "99213", "Follow-up visit with pain management"),
    ],
)
def test_a_text_names_the_code_it_is_sent_with(system: CodeSystem, code: str, written: str) -> None:
    entry = coded_entry(system, code)
    assert entry is not None
    assert names_entry(parse_request(written), entry)


@pytest.mark.parametrize(
    ("system", "code", "written"),
    [
        (CodeSystem.RXNORM, "21949", "Tramadol 50mg #60"),
        (CodeSystem.CPT, "72148", "Physical therapy x12"),
        (CodeSystem.CPT, "97110", "Cyclobenzaprine 7.5mg"),
    ],
)
def test_a_text_that_names_something_else_does_not_match(system: CodeSystem, code: str, written: str) -> None:
    entry = coded_entry(system, code)
    assert entry is not None
    assert not names_entry(parse_request(written), entry)


def test_a_code_the_lexicons_do_not_carry_names_nothing() -> None:
    assert coded_entry(CodeSystem.CPT, "99999") is None
    assert coded_entry(CodeSystem.RXNORM, "856999") is None
