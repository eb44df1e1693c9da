"""The drug-screen reading: a result charted drug by drug, set beside the drugs the worker takes (ODG Pain, UDT)."""

from __future__ import annotations

import pytest
from tests.evidence.test_terms import _facts

from openimr.evidence.drug_screen import GROUP
from openimr.evidence.medications import medication_keys
from openimr.evidence.terms import term_lists
from openimr.model import FactStatus


def _unexpected(text: str) -> list[str]:
    """The spans of the unexpected results the record asserts."""
    return [f.spans[0].text for f in _facts(text, GROUP) if f.status == FactStatus.PRESENT]


@pytest.mark.parametrize(
    ("text", "span"),
    [
        # a controlled drug found that no prescription explains, by panel abbreviation, class word or name
        ("Takes oxycodone 10 mg tid. POC urine immunoassay today: BZO POSITIVE; OXY positive.", "BZO POSITIVE"),
        ("Takes tramadol. Urine drug screen positive for benzodiazepines.", "positive for benzodiazepines"),
        ("Takes Norco. Cup screen: oxycodone (+).", "oxycodone (+)"),
        ("Takes Norco. UDS: meprobamate detected.", "meprobamate detected"),
        # the prescribed drug not found, named by its assay or its name
        ("Takes oxycodone 10 mg three times a day. Office cup test: OXY NEGATIVE.", "OXY NEGATIVE"),
        ("He takes Norco 10/325 tid. Urine tox: opiates negative.", "opiates negative"),
        ("She takes methadone 10 mg bid. UDS this visit - MTD: not detected.", "MTD: not detected"),
    ],
)
def test_a_result_at_odds_with_the_prescriptions_is_unexpected(text: str, span: str) -> None:
    assert _unexpected(text) == [span]


@pytest.mark.parametrize(
    "text",
    [
        # found what is prescribed, its metabolite or its class
        "Takes oxycodone 10 mg tid. POC urine immunoassay: OXY positive.",
        "Takes clonazepam at night and Norco. Urine drug screen: BZO positive, OPI positive.",
        "Takes Soma 350 mg tid. UDS: meprobamate detected.",
        "Takes Percocet. Cup screen: oxymorphone positive.",
        # a metabolite missing beside the drug found; a drug not prescribed not found
        "Takes Norco 10/325 tid. Urine immunoassay: hydrocodone positive, hydromorphone negative.",
        "Takes Norco. UDS: benzodiazepines negative, opiates positive.",
        # no prescription named to set the result against
        "UDS positive for hydrocodone and benzodiazepines.",
        # the oxycodone assay says nothing of hydrocodone; nothing charted as a result; no drug test named
        "Takes Norco. UDS: OXY negative, OPI positive.",
        "Takes oxycodone. Plan: send the specimen for confirmation of the benzodiazepine panel and oxycodone.",
        "Takes oxycodone. He stopped his benzodiazepines, which were positive for side effects.",
    ],
)
def test_a_result_the_prescriptions_explain_is_not_unexpected(text: str) -> None:
    assert _unexpected(text) == []


def test_assay_terms_are_named_by_drugs_the_medication_reading_knows() -> None:
    keys = medication_keys()
    assert all(name in keys for name, _, _ in term_lists()["drug_screen_assay"])
