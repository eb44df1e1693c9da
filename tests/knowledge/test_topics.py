"""The topic files and guideline catalogue: every packaged file loads and cross-checks; broken files are refused with
one line naming the file and the problem."""

from __future__ import annotations

import pytest

from openimr.errors import OpenIMRError
from openimr.knowledge import knowledge_files, parse_knowledge
from openimr.knowledge.schema import Criterion, Era, Indication, TermList, Topic
from openimr.requests import parse_request
from openimr.review.topics import catalogue, citations_for, maximus_line, select_topic, topics, validate_topic

VALID = """
id: example
title: Example topic
category: example
source: MTUS Chronic Pain Medical Treatment Guidelines
section: Example
applies_to:
  request_terms: ['\\bexample\\b']
guideline_rule: An example is recommended when it is documented.
requirements:
  - id: quantity
    text: The quantity is stated.
    check: request_specified
    params: {needs: [quantity]}
indications:
  - id: spasm_present
    text: Spasm.
    criteria:
      - id: documented
        text: The thing is documented.
        check: documented
        params: {any: [spasm]}
        if_silent: insufficient
citations:
  - era: "2016"
    cite:
      - guideline: mtus_chronic_pain
        sections: [Example]
"""

SHARED = VALID.replace("citations:", "  - use: working_on_the_opioid\ncitations:", 1)


def _using(written: str) -> str:
    return SHARED.replace("use: working_on_the_opioid", written)


def test_every_packaged_topic_loads_and_names_known_checks_and_guidelines() -> None:
    loaded = topics()
    assert len(loaded) >= 40
    assert len({t.id for t in loaded}) == len(loaded)
    assert "mtus_chronic_pain" in catalogue()


def test_valid_topic_parses() -> None:
    topic = parse_knowledge(VALID, Topic, "example.yaml")
    rules = validate_topic(topic, "example.yaml")
    assert [c.id for c in topic.all_criteria()] == ["quantity", "documented"]
    assert rules.params["documented"].model_dump() == {
        "any": ["spasm"],
        "accept_uncertain": False,
        "accept_planned": False,
        "same_region": False,
        "same_spine_part": False,
        "same_side": False,
        "body_parts": [],
        "or_requested": [],
        "unless": [],
    }


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (VALID.replace("category: example", "category: example\ncolour: blue"), "colour"),
        (VALID.replace("check: documented", "chek: documented"), "indications.0.criteria.0.check: Field required"),
        (VALID.replace("if_silent: insufficient", "if_silent: maybe"), "if_silent"),
        (VALID.replace("- id: spasm_present", "- id: quantity"), "ids must be unique"),
        (VALID.replace("guideline_rule:", "recommended: false\nguideline_rule:"), "not recommended has no indications"),
        (VALID.replace('era: "2016"', 'era: "1999"'), "era"),
        (VALID.replace("'\\bexample\\b'", "'(unclosed'"), "bad pattern"),
        (VALID.replace("applies_to:", "applies_to: [", 1), "not valid YAML"),
        (_using("use: working_on_opioids"), "indications.1: Value error, no shared indication 'working_on_opioids'"),
        (_using("use: opioids"), "indications.1: Value error, no shared indication 'opioids' in knowledge/indications"),
        (_using("use: working_on_the_opioid\n    text: Working."), "a shared indication is used as written"),
        (_using("use: working_on_the_opioid\n  - use: working_on_the_opioid"), "ids must be unique within a topic: analgesia"),
    ],
)
def test_broken_topic_is_refused_with_one_line(broken: str, expected: str) -> None:
    with pytest.raises(OpenIMRError) as caught:
        parse_knowledge(broken, Topic, "knowledge/topics/example.yaml")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("knowledge/topics/example.yaml")
    assert expected in str(caught.value)


def test_a_shared_criterion_is_written_once_and_used_in_place() -> None:
    """`{use: NAME}` is the criterion of knowledge/criteria/NAME.yaml: ODG Knee's "not controlled adequately by
    conservative treatment" has one home for the steroid injection and the hyaluronic acid topics."""
    shared = VALID.replace(
        """      - id: documented
        text: The thing is documented.
        check: documented
        params: {any: [spasm]}
        if_silent: insufficient""",
        "      - use: knee_osteoarthritis_not_controlled",
    )
    topic = parse_knowledge(shared, Topic, "example.yaml")
    validate_topic(topic, "example.yaml")
    (criterion,) = topic.indications[0].criteria
    assert (criterion.id, criterion.check) == ("knee_osteoarthritis_not_controlled", "conservative_care_failed")
    by_topic = {t.id: t for t in topics()}
    knee, hyaluronic = (
        next(c for c in by_topic[name].all_criteria() if c.id == "knee_osteoarthritis_not_controlled")
        for name in ("joint_injection_knee", "viscosupplementation")
    )
    assert knee == hyaluronic == criterion


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("      - use: no_such_criterion", "no shared criterion 'no_such_criterion'"),
        ("      - use: knee_osteoarthritis_not_controlled\n        if_silent: met", "'use' takes no other keys"),
    ],
)
def test_a_shared_criterion_that_is_missing_or_amended_is_refused(broken: str, expected: str) -> None:
    text = VALID.replace(
        """      - id: documented
        text: The thing is documented.
        check: documented
        params: {any: [spasm]}
        if_silent: insufficient""",
        broken,
    )
    with pytest.raises(OpenIMRError, match=expected):
        parse_knowledge(text, Topic, "knowledge/topics/example.yaml")


@pytest.mark.parametrize(
    ("applies_to", "expected"),
    [
        ("generics: [cyclobenzaprin]", "applies_to.generics names 'cyclobenzaprin', not in the lexicons"),
        ("drug_classes: [muscle relaxer]", "applies_to.drug_classes names 'muscle relaxer'"),
        ("categories: [antispasmodics]", "applies_to.categories names 'antispasmodics'"),
        ("procedures: [MRI, magnetic scan]", "applies_to.procedures names 'magnetic scan'"),
        ("procedures: [MRI]\n  body_parts: [forarm]", "applies_to.body_parts names 'forarm'"),
    ],
)
def test_topic_naming_a_name_missing_from_the_lexicons_is_refused(applies_to: str, expected: str) -> None:
    topic = parse_knowledge(VALID.replace("request_terms: ['\\bexample\\b']", applies_to), Topic, "example.yaml")
    with pytest.raises(OpenIMRError) as caught:
        validate_topic(topic, "knowledge/topics/example.yaml")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("knowledge/topics/example.yaml")
    assert expected in str(caught.value)


def test_topic_that_names_nothing_is_refused() -> None:
    with pytest.raises(OpenIMRError, match="names no generics"):
        parse_knowledge(VALID.replace("request_terms: ['\\bexample\\b']", "body_parts: [knee]"), Topic, "example.yaml")


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (VALID.replace("check: documented", "check: no_such_check"), "unknown check 'no_such_check'"),
        (VALID.replace("params: {any: [spasm]}", "params: {any: [spasm], acept_uncertain: true}"), "acept_uncertain"),
        (VALID.replace("params: {any: [spasm]}", "params: {any: [spazm]}"), "params.any names 'spazm'"),
        (VALID.replace("needs: [quantity]", "needs: [quantty]"), "needs.0"),
        (VALID.replace("guideline: mtus_chronic_pain", "guideline: nowhere"), "unknown guideline 'nowhere'"),
        (
            VALID.replace("guideline: mtus_chronic_pain", "guideline: mtus_opioids").replace('era: "2016"', 'era: "2009"'),
            "no edition",
        ),
        (VALID.replace("sections: [Example]", "sections: [Example]\n        regions: [lower back]"), "unknown regions"),
    ],
)
def test_topic_cross_checks_against_checks_and_catalogue(broken: str, expected: str) -> None:
    topic = parse_knowledge(broken, Topic, "example.yaml")
    with pytest.raises(OpenIMRError, match=expected):
        validate_topic(topic, "example.yaml")


@pytest.mark.parametrize(
    ("item", "topic"),
    [
        ("Cyclobenzaprine 7.5mg #60", "cyclobenzaprine"),
        ("Soma 350mg #30", "carisoprodol"),
        ("Norco 10/325mg #180", "opioids"),
        ("Lidoderm patch #30", "lidocaine_patch"),
        ("Gabapentin 10%, Cyclobenzaprine 6% in cream base", "topical_analgesics"),
        ("Omeprazole 20mg #30", "proton_pump_inhibitors"),
        ("MRI of the lumbar spine without contrast", "imaging_lumbar_spine"),
        ("MRI of the cervical spine", "imaging_cervical_thoracic_spine"),
        ("MRI of the right knee", "imaging_knee"),
        ("EMG/NCV of the bilateral upper extremities", "electrodiagnostic_upper"),
        ("EMG of the bilateral lower extremities", "electrodiagnostic_lower"),
        ("Physical therapy 2 times a week for 6 weeks for the low back", "physical_therapy"),
        ("Chiropractic treatment for the lumbar spine, 12 visits", "chiropractic"),
        ("Acupuncture 6 sessions for the neck", "acupuncture"),
        ("TENS unit", "tens_unit"),
        ("Right L5 transforaminal epidural steroid injection", "epidural_steroid_injections"),
        ("Associated surgical service: Cryotherapy unit", "cold_therapy_unit"),
        ("Referral to a spine surgeon", "surgical_consultation"),
        ("Zolpidem 10mg #30", "insomnia_treatment"),
        ("Fentanyl 25mcg patch #10", "opioids"),
        ("Terocin patch #30", "topical_analgesics"),
        ("Massage therapy 6 sessions for the neck", "massage_therapy"),
        ("Tylenol 500mg #60", "acetaminophen"),
        ("Medrol dose pack", "oral_corticosteroids"),
        ("Synvisc injection to the left knee", "viscosupplementation"),
        ("CBC and liver function tests", "laboratory_tests"),
        ("Genetic opioid risk testing", "genetic_testing"),
        ("Custom orthotics", "foot_orthotics"),
        ("Tizanidine 4mg #60", "antispasticity_drugs"),
        ("Zanaflex 4 mg one tablet at bedtime #30", "antispasticity_drugs"),
        ("Robaxin 750mg #90", "muscle_relaxants"),
        ("Tylenol #3 #60", "opioids"),
        ("Hydrocodone/APAP 10/325 #120", "opioids"),
        ("Nucynta ER 100mg #60", "opioids"),
        ("Celexa 20mg #30", "antidepressants_chronic_pain"),
        ("Lamictal 25mg #60", "anti_epilepsy_drugs"),
        ("Gabapentin 600mg #90", "anti_epilepsy_drugs"),
        ("Restoril 15mg #30", "benzodiazepines"),
        ("Aleve 220mg #60", "nsaids"),
        ("Flector patch 1.3% #30", "topical_nsaids"),
        ("Ketoprofen 20% cream 120g", "topical_analgesics"),
        ("Biofreeze gel", "topical_analgesics"),
        ("Lidocaine HCl 4% patch #30", "lidocaine_patch"),
        ("Fanatrex 25mg/ml oral suspension 420ml", "compounded_kits_medical_foods"),
        ("Senokot 8.6mg #60", "opioid_induced_constipation"),
        ("Fioricet #30", "barbiturate_containing_analgesics"),
        ("Prednisone 10mg #21", "oral_corticosteroids"),
        ("Paracetamol 500mg #60", "acetaminophen"),
        ("Acupressure 6 visits", "acupuncture"),
        ("Medial branch block at L4-5 and L5-S1", "facet_joint_blocks"),
        ("Interlaminar epidural injection C6-7", "epidural_steroid_injections"),
        ("Euflexxa x3 to the right knee", "viscosupplementation"),
        ("YMCA membership for 6 months", "gym_membership"),
        ("Polysomnogram", "sleep_study"),
        ("Radiographs of the left shoulder, 3 views", "radiographs_shoulder"),
        ("Magnetic resonance imaging of the left wrist", "imaging_hand_wrist"),
        ("Nerve conduction studies of the lower limbs", "electrodiagnostic_lower"),
        ("ACDF at C5-6", "cervical_spine_surgery"),
        ("Ankle fusion", "foot_ankle_surgery"),
        ("SLAP repair of the left shoulder", "shoulder_labral_repair"),
        ("Graston technique 6 sessions", "physical_therapy"),
        ("Hot and cold packs", "passive_modalities"),
        ("MRI of the right forearm", "imaging_hand_wrist"),
        ("MRI of the right elbow", "imaging_elbow"),
        ("X-ray L4-5", "radiographs_lumbar_spine"),
        ("CT scan of the sacrum", "imaging_lumbar_spine"),
        ("EMG/NCV of the BUE", "electrodiagnostic_upper"),
        ("Arthroscopic subacromial decompression", "subacromial_decompression"),
        ("Endoscopic median nerve release, right", "carpal_tunnel_release"),
        ("Trigger finger release, left ring finger", "trigger_finger_release"),
        ("PHP 5 days a week for 2 weeks", "psychiatric_day_treatment"),
        ("Individual psychotherapy 6 sessions", "psychological_treatment"),
        ("Pharmacogenomic panel", "genetic_testing"),
        ("Ergonomic keyboard", "workstation_modification"),
        ("Sit stand desk", "workstation_modification"),
        ("Labral repair of the right hip", None),
        ("Right L5 transforaminal epidural steroid injection under fluoroscopic guidance", "epidural_steroid_injections"),
        ("Ultrasound guidance for a right knee injection", "injection_guidance"),
        ("An unheard-of gadget", None),
    ],
)
def test_topic_selection(item: str, topic: str | None) -> None:
    selected = select_topic(parse_request(item))
    assert (selected.id if selected else None) == topic


@pytest.mark.parametrize(
    ("era", "expected"),
    [
        (
            Era.MTUS_2009,
            "Decision based on MTUS Chronic Pain Medical Treatment Guidelines Muscle relaxants (for pain) Page(s): 63-66.",
        ),
        (Era.MTUS_2016, "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle relaxants (for pain)."),
    ],
)
def test_citation_wording_follows_the_era(era: Era, expected: str) -> None:
    topic = next(t for t in topics() if t.id == "muscle_relaxants")
    assert maximus_line(citations_for(topic, era)) == expected


@pytest.mark.parametrize(
    ("wording", "chapters"),
    [
        ("Shockwave therapy to the left elbow, 3 sessions", ["Elbow"]),
        ("Extracorporeal shockwave therapy to the right knee", ["Knee & Leg"]),
        ("Shock wave therapy for the lumbar spine", ["Low Back"]),
        ("Shockwave therapy to the left hip", ["Elbow", "Knee & Leg", "Low Back"]),
    ],
)
def test_a_body_part_chapter_is_cited_for_its_own_region(wording: str, chapters: list[str]) -> None:
    """ODG is written by body part: a request cites the chapter of its own region, or every chapter the topic has
    when it names no region they cover."""
    treatment = parse_request(wording)
    topic = select_topic(treatment)
    assert topic is not None and topic.id == "shockwave_not_recommended"
    cited = citations_for(topic, Era.MTUS_2016, treatment.body_parts)
    assert [c.guideline for c in cited] == chapters


def test_postoperative_therapy_cites_the_postsurgical_section_of_its_body_region() -> None:
    treatment = parse_request("Post-operative physical therapy 12 visits for the right knee")
    topic = select_topic(treatment, postoperative=True)
    assert topic is not None
    cited = citations_for(topic, Era.MTUS_2009, treatment.body_parts)
    assert [s for c in cited for s in c.sections] == ["General", "Knee"]


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("family: finding\nterms:\n  - name: spasm\n    patterns: ['(unclosed']\n", "bad pattern"),
        ("family: finding\nterms:\n  - name: spasm\n    patterns: []\n", "terms.0.patterns"),
        ("family: finding\nterms:\n  - name: spasm\n    pattern: ['spasm']\n", "terms.0.patterns"),
    ],
)
def test_broken_term_list_is_refused(broken: str, expected: str) -> None:
    with pytest.raises(OpenIMRError, match=expected):
        parse_knowledge(broken, TermList, "knowledge/evidence/finding.yaml")


def test_topic_uses_a_shared_indication_as_written_in_its_home() -> None:
    topic = parse_knowledge(SHARED, Topic, "example.yaml")
    rules = validate_topic(topic, "example.yaml")
    shared = topic.indications[1]
    assert shared.id == "working_on_the_opioid"
    assert [c.id for c in shared.criteria][:2] == ["working_opioid_in_use", "works"]
    assert rules.params["works"].model_dump()["any"] == ["working"]


@pytest.mark.parametrize(("folder", "model"), [("indications", Indication), ("criteria", Criterion)])
def test_every_shared_entry_is_named_by_its_id_and_used_by_several_topics(
    folder: str, model: type[Indication] | type[Criterion]
) -> None:
    """A shared indication or criterion is the one home of what several topics state alike; one used by a single
    topic belongs in that topic."""
    names = [resource.name.removesuffix(".yaml") for resource in knowledge_files(folder)]
    assert names
    for name in names:
        assert model.model_validate({"use": name}).id == name
        users = [
            t.id for t in topics() if any(i.id == name for i in t.indications) or any(c.id == name for c in t.all_criteria())
        ]
        assert len(users) >= 2, (name, users)
