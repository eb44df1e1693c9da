"""The packaged lexicons load, are consistent, and their matchers find what requests and records write."""

from __future__ import annotations

import pytest

from openimr.errors import OpenIMRError
from openimr.knowledge import parse_knowledge
from openimr.knowledge.lexicons import (
    BodyPartLexicon,
    CodeSystem,
    DrugLexicon,
    ProcedureLexicon,
    body_part_lexicon,
    body_part_matcher,
    code_index,
    drug_lexicon,
    drug_matcher,
    laterality_matcher,
    procedure_lexicon,
    procedure_matcher,
    same_body_region,
    same_spine_part,
    validate_procedure_codes,
)
from openimr.model import TreatmentKind


@pytest.mark.parametrize(
    ("written", "generic", "drug_class", "brand"),
    [
        ("Norco", "hydrocodone/acetaminophen", "opioid", True),
        ("hydrocodone/APAP", "hydrocodone/acetaminophen", "opioid", False),
        ("Percocet", "oxycodone/acetaminophen", "opioid", True),
        ("Vicodin ES", "hydrocodone/acetaminophen", "opioid", True),
        ("Ultracet", "tramadol/acetaminophen", "opioid", True),
        ("Nucynta", "tapentadol", "opioid", True),
        ("MS Contin", "morphine", "opioid", True),
        ("OxyContin", "oxycodone", "opioid", True),
        ("Fexmid", "cyclobenzaprine", "muscle relaxant", True),
        ("Zanaflex", "tizanidine", "muscle relaxant", True),
        ("Soma", "carisoprodol", "muscle relaxant", True),
        ("Lioresal", "baclofen", "muscle relaxant", True),
        ("Robaxin", "methocarbamol", "muscle relaxant", True),
        ("Skelaxin", "metaxalone", "muscle relaxant", True),
        ("Protonix", "pantoprazole", "proton pump inhibitor", True),
        ("Pepcid", "famotidine", "H2 blocker", True),
        ("Lyrica", "pregabalin", "anti-epilepsy drug", True),
        ("Ambien", "zolpidem", "hypnotic", True),
        ("Lunesta", "eszopiclone", "hypnotic", True),
        ("Zofran", "ondansetron", "antiemetic", True),
        ("Compazine", "prochlorperazine", "antiemetic", True),
        ("Lidoderm", "lidocaine patch", "topical analgesic", True),
        ("Terocin", "methyl salicylate/capsaicin/menthol/lidocaine", "topical analgesic", True),
        ("Voltaren gel", "diclofenac topical", "NSAID", True),
        ("Theramine", "theramine", "medical food", True),
        ("Viagra", "sildenafil", "phosphodiesterase-5 inhibitor", True),
        ("Tabradol", "cyclobenzaprine oral suspension kit", "compounded kit", True),
    ],
)
def test_drug_names_resolve_to_generic_and_class(written: str, generic: str, drug_class: str, brand: bool) -> None:
    matches = drug_matcher().find(f"She takes {written} daily.")
    assert [m.text for m in matches] == [written]
    drug, is_brand = matches[0].value
    assert (drug.generic, drug.drug_class, is_brand) == (generic, drug_class, brand)


def test_longest_name_wins_over_its_prefix() -> None:
    matches = drug_matcher().find("Voltaren XR and Voltaren gel")
    assert [m.value[0].generic for m in matches] == ["diclofenac", "diclofenac topical"]


def test_drug_names_do_not_match_inside_words() -> None:
    assert drug_matcher().find("somatic complaints; asomatic") == []


@pytest.mark.parametrize(
    ("opioid", "daily_dose", "mme"),
    [
        ("hydrocodone", 40, 40.0),
        ("oxycodone", 20, 30.0),
        ("tramadol", 200, 20.0),
        ("tapentadol", 100, 40.0),
        ("codeine", 120, 18.0),
        ("fentanyl transdermal", 25, 60.0),
        ("methadone", 20, 80.0),
        ("methadone", 30, 240.0),
        ("methadone", 80, 960.0),
    ],
)
def test_morphine_equivalents_follow_the_cdc_table(opioid: str, daily_dose: float, mme: float) -> None:
    assert drug_lexicon().conversion(opioid).morphine_equivalent(daily_dose) == pytest.approx(mme)


def test_dose_beyond_a_tiered_table_is_an_error() -> None:
    with pytest.raises(OpenIMRError, match="beyond the conversion table"):
        drug_lexicon().conversion("methadone").factor_for(120)


def test_every_opioid_product_has_a_conversion() -> None:
    lexicon = drug_lexicon()
    for drug in lexicon.drugs:
        if drug.opioid:
            assert lexicon.conversion(drug.opioid).opioid == drug.opioid


def test_drug_lexicon_rejects_an_opioid_without_conversion() -> None:
    text = "source: s\nmme: []\ndrugs:\n  - {generic: x, drug_class: opioid, opioid: nothing}\n"
    with pytest.raises(OpenIMRError, match="no MME conversion"):
        parse_knowledge(text, DrugLexicon, "drugs.yaml")


def test_drug_lexicon_rejects_unknown_keys() -> None:
    text = "source: s\nmme: []\ndrugs:\n  - {generic: x, drug_class: y, klass: z}\n"
    with pytest.raises(OpenIMRError, match="klass"):
        parse_knowledge(text, DrugLexicon, "drugs.yaml")


@pytest.mark.parametrize(
    ("written", "name", "kind"),
    [
        ("MRI", "MRI", TreatmentKind.IMAGING),
        ("magnetic resonance imaging", "MRI", TreatmentKind.IMAGING),
        ("CT scan", "CT scan", TreatmentKind.IMAGING),
        ("X-rays", "x-ray", TreatmentKind.IMAGING),
        ("EMG/NCS", "EMG/NCV", TreatmentKind.ELECTRODIAGNOSTIC),
        ("nerve conduction studies", "NCV", TreatmentKind.ELECTRODIAGNOSTIC),
        ("TFESI", "epidural steroid injection", TreatmentKind.INJECTION),
        ("transforaminal epidural steroid injection", "epidural steroid injection", TreatmentKind.INJECTION),
        ("medial branch block", "facet injection", TreatmentKind.INJECTION),
        ("MBB", "facet injection", TreatmentKind.INJECTION),
        ("RFA", "radiofrequency ablation", TreatmentKind.INJECTION),
        ("PRP", "platelet-rich plasma injection", TreatmentKind.INJECTION),
        ("trigger point injections", "trigger point injection", TreatmentKind.INJECTION),
        ("TENS unit", "TENS unit", TreatmentKind.DME),
        ("H-wave", "interferential unit", TreatmentKind.DME),
        ("IF unit", "interferential unit", TreatmentKind.DME),
        ("FRP", "functional restoration program", TreatmentKind.PROGRAM),
        ("CBT", "psychological treatment", TreatmentKind.PSYCHOLOGICAL),
        ("physiotherapy", "physical therapy", TreatmentKind.THERAPY),
        ("chiropractic manipulation", "chiropractic", TreatmentKind.THERAPY),
        ("urine drug screen", "urine drug test", TreatmentKind.LAB),
        ("rotator cuff repair", "rotator cuff repair", TreatmentKind.SURGERY),
        ("arthroscopic subacromial decompression", "subacromial decompression", TreatmentKind.SURGERY),
    ],
)
def test_procedure_synonyms_resolve(written: str, name: str, kind: TreatmentKind) -> None:
    matches = procedure_matcher().find(f"Request: {written} as planned")
    assert matches, written
    assert (matches[0].value.name, matches[0].value.kind) == (name, kind)


def test_short_capital_abbreviations_match_only_as_written() -> None:
    assert procedure_matcher().find("pt states the ct was fine") == []
    assert [m.value.name for m in procedure_matcher().find("PT and a CT")] == ["physical therapy", "CT scan"]


def test_combination_needs_every_part() -> None:
    lexicon = procedure_lexicon()
    combined = lexicon.combined({"EMG", "NCV"})
    assert combined is not None
    assert combined.name == "EMG/NCV"
    assert lexicon.combined({"EMG"}) is None


def test_procedure_lexicon_rejects_a_combination_of_unknown_procedures() -> None:
    text = "source: s\ncombinations: [{parts: [A, B], name: C}]\nprocedures: []\n"
    with pytest.raises(OpenIMRError, match="unknown procedure"):
        parse_knowledge(text, ProcedureLexicon, "procedures.yaml")


@pytest.mark.parametrize(
    ("written", "name", "region"),
    [
        ("low back", "lumbar spine", "low back"),
        ("lumbosacral", "lumbar spine", "low back"),
        ("neck", "cervical spine", "neck and upper back"),
        ("mid back", "thoracic spine", "neck and upper back"),
        ("rotator cuff", "shoulder", "shoulder"),
        ("hand/finger", "hand", "forearm wrist and hand"),
        ("knees", "knee", "knee"),
        ("pelvis", "hip", "hip and pelvis"),
        ("upper extremities", "upper extremity", "upper extremities"),
        ("Achilles tendon", "ankle", "ankle and foot"),
    ],
)
def test_body_part_synonyms_resolve_to_part_and_region(written: str, name: str, region: str) -> None:
    matches = body_part_matcher().find(f"pain in the {written} since the fall")
    assert [(m.value.name, m.value.region) for m in matches] == [(name, region)]


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("his back hurts", ["lumbar spine"]),
        ("back: tender paraspinals", ["lumbar spine"]),
        ("injured his back at work", ["lumbar spine"]),
        # the adverb of a return is not the body part
        ("the injection helped, then back to baseline", []),
        ("the pain came back in June", []),
        ("he is back at work", []),
    ],
)
def test_back_is_the_body_part_not_a_return(text: str, parts: list[str]) -> None:
    assert [m.value.name for m in body_part_matcher().find(text)] == parts


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        ("left knee", ["left"]),
        ("bilateral hands", ["bilateral"]),
        ("B/L wrists", ["bilateral"]),
        ("rt and lt", ["right", "left"]),
        # the single letter notes write for a side, before the word it qualifies
        ("L knee: pain 7/10", ["left"]),
        ("XR R hip 9/2015", ["right"]),
        ("s/p R TKA", ["right"]),
        ("L and R knees", ["left", "right"]),
        # not a spinal level, a unit after a number, nor a letter before a slash
        ("L4-5 disc", []),
        ("L/S spine", []),
        ("given 2 L of fluid", []),
        ("R/O meniscal tear", []),
    ],
)
def test_laterality_words(text: str, sides: list[str]) -> None:
    assert [m.value for m in laterality_matcher().find(text)] == sides


def test_spinal_level_prefixes_name_spine_parts() -> None:
    lexicon = body_part_lexicon()
    assert [lexicon.spine_part(p) for p in "CTLS"] == ["cervical spine", "thoracic spine", "lumbar spine", "lumbar spine"]


@pytest.mark.parametrize(
    ("finding", "request_parts", "same"),
    [
        # arm signs are the neck's: not the thoracic spine's, though the two are one region
        (["upper arm", "cervical spine"], ["thoracic spine"], False),
        (["hand"], ["thoracic spine"], False),
        (["upper arm", "cervical spine"], ["cervical spine"], True),
        # the cord carries the leg's signs past the neck and the thoracic spine
        (["lower extremity"], ["thoracic spine"], True),
        (["lower extremity"], ["cervical spine"], True),
        (["cervical spine", "thoracic spine"], ["thoracic spine"], True),
        # nothing placed at the spine, or a request not of the spine
        (["shoulder"], ["thoracic spine"], True),
        ([], ["thoracic spine"], True),
        (["upper arm", "cervical spine"], ["knee"], True),
    ],
)
def test_a_finding_is_about_the_spine_part_it_or_its_limb_names(
    finding: list[str], request_parts: list[str], same: bool
) -> None:
    assert same_spine_part(finding, request_parts) is same


def test_neck_and_thoracic_spine_stay_one_region() -> None:
    assert same_body_region(["cervical spine"], ["thoracic spine"])


def test_body_part_lexicon_rejects_level_of_unknown_part() -> None:
    text = "source: s\nbody_parts: []\nlaterality: []\nspinal_levels: [{prefix: L, body_part: lumbar spine}]\n"
    with pytest.raises(OpenIMRError, match="unknown body part"):
        parse_knowledge(text, BodyPartLexicon, "body_parts.yaml")


# --- standard codes on the lexicon entries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("system", "code", "names", "body_part"),
    [
        (CodeSystem.RXNORM, "21949", "cyclobenzaprine", None),
        (CodeSystem.RXNORM, "10689", "tramadol", None),
        (CodeSystem.RXNORM, "161", "acetaminophen", None),
        (CodeSystem.CPT, "72148", "MRI", "lumbar spine"),
        (CodeSystem.CPT, "73721", "MRI", "lower extremity"),
        (CodeSystem.CPT, "97110", "physical therapy", None),
        (CodeSystem.CPT, "95886", "EMG/NCV", None),
        (CodeSystem.CPT, "64483", "epidural steroid injection", "lumbar spine"),
        (CodeSystem.CPT, "29827", "rotator cuff repair", "shoulder"),
        (CodeSystem.CPT, "0232T", "platelet-rich plasma injection", None),
        (CodeSystem.HCPCS, "E0730", "TENS unit", None),
    ],
)
def test_codes_name_lexicon_entries(system: CodeSystem, code: str, names: str, body_part: str | None) -> None:
    entry = code_index()[system, code]
    named = entry.drug.generic if entry.drug else entry.procedure.name if entry.procedure else None
    assert (named, entry.body_part) == (names, body_part)


def test_combinations_and_products_carry_no_ingredient_code() -> None:
    coded = [d for d in drug_lexicon().drugs if d.rxnorm]
    assert len(coded) >= 100
    assert not [d.generic for d in coded if "/" in d.generic or d.ingredients]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('{generic: x, drug_class: y, rxnorm: "0123"}', "rxnorm"),
        ('{generic: x, drug_class: y, rxnorm: "12a"}', "rxnorm"),
        ('{generic: x, drug_class: y, rxnorm: "1"}\n  - {generic: z, drug_class: y, rxnorm: "1"}', "RxNorm code.s. 1 name more"),
    ],
)
def test_drug_lexicon_refuses_malformed_and_repeated_rxnorm_codes(entry: str, problem: str) -> None:
    with pytest.raises(OpenIMRError, match=problem):
        parse_knowledge(f"source: s\nmme: []\ndrugs:\n  - {entry}\n", DrugLexicon, "drugs.yaml")


@pytest.mark.parametrize(
    ("codes", "problem"),
    [
        ('cpt: ["7214"]', "cpt"),
        ('cpt: ["72148X"]', "cpt"),
        ('hcpcs: ["97110"]', "hcpcs"),
        ('cpt: ["97110", "97110"]', "cpt code.s. 97110 appear more than once"),
    ],
)
def test_procedure_lexicon_refuses_malformed_and_repeated_codes(codes: str, problem: str) -> None:
    text = f"source: s\nprocedures:\n  - {{name: a, kind: therapy, category: c, terms: [a], {codes}}}\n"
    with pytest.raises(OpenIMRError, match=problem):
        parse_knowledge(text, ProcedureLexicon, "procedures.yaml")


def test_a_code_in_two_procedures_is_refused() -> None:
    text = (
        "source: s\nprocedures:\n  - {name: a, kind: therapy, category: c, terms: [a], cpt: [\"97110\"]}\n"
        "  - {name: b, kind: therapy, category: c, terms: [b], cpt: [{code: \"97110\", body_part: knee}]}\n"
    )
    with pytest.raises(OpenIMRError, match="97110 appear more than once"):
        parse_knowledge(text, ProcedureLexicon, "procedures.yaml")


def test_a_code_body_part_must_be_in_the_body_part_lexicon() -> None:
    text = (
        "source: s\nprocedures:\n"
        "  - {name: a, kind: imaging, category: c, terms: [a], cpt: [{code: \"72148\", body_part: tail}]}\n"
    )
    lexicon = parse_knowledge(text, ProcedureLexicon, "procedures.yaml")
    with pytest.raises(OpenIMRError, match="body part 'tail', not in the body-part lexicon"):
        validate_procedure_codes(lexicon, body_part_lexicon(), "procedures.yaml")
