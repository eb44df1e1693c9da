"""ConText assertion: one row = (sentence, target, expected status), for the cases reviewers write."""

from __future__ import annotations

import pytest

from openimr.errors import OpenIMRError
from openimr.evidence.context import ContextRules, assert_status, assertion, context_rules, find_mentions, find_modifiers
from openimr.evidence.text import Sentence
from openimr.knowledge import parse_knowledge
from openimr.knowledge.terms import TermMatcher
from openimr.model import FactStatus

ABSENT, PRESENT, UNCERTAIN = FactStatus.ABSENT, FactStatus.PRESENT, FactStatus.UNCERTAIN
HYPOTHETICAL, PLANNED = FactStatus.HYPOTHETICAL, FactStatus.PLANNED


@pytest.mark.parametrize(
    ("sentence", "target", "expected"),
    [
        # negation, forward
        ("No muscle spasm.", "spasm", ABSENT),
        ("The patient denies spasm.", "spasm", ABSENT),
        ("He no longer has spasm in the low back.", "spasm", ABSENT),
        # a form's question answered by its ticked box: the answer governs the whole question on its line
        ("Needs elevation for CHF, COPD or aspiration:  [ ] Yes  [X] No", "CHF", ABSENT),
        ("Needs positioning not feasible in an ordinary bed:  [ ] Yes  [X] No", "positioning", ABSENT),
        # the same question answered with other boxes: the box ticked, not the word, answers it
        ("Numbness in the hand  \u2610 Yes  \u2612 No", "Numbness", ABSENT),
        ("Numbness in the hand  \u2612 Yes  \u2610 No", "Numbness", PRESENT),
        ("Muscle spasm ( ) yes (X) no", "spasm", ABSENT),
        ("Muscle spasm (X) yes ( ) no", "spasm", PRESENT),
        ("Bed-confined: Yes [ ] No [x]", "Bed-confined", ABSENT),
        ("Bed-confined:  [X] Yes  [ ] No", "Bed-confined", PRESENT),
        ("Home care needed: yes\nSpasm:  [ ] Yes  [X] No", "Home care", PRESENT),
        # a form's empty box before its label: the label is not what the form records; the ticked one is
        ("Work status:  [ ] Return to work  [x] TTD", "Return to work", ABSENT),
        ("Work status:  [x] Return to work  [ ] TTD", "Return to work", PRESENT),
        ("Duty:  \u2610 Modified duty   \u2612 Off work", "Modified duty", ABSENT),
        ("Duty:  \u2612 Modified duty   \u2610 Off work", "Modified duty", PRESENT),
        ("Duty:  \u2610 Off work   \u2612 Modified duty", "Modified duty", PRESENT),
        ("Work status:  [ ] TTD  [x] Return to work", "Return to work", PRESENT),
        ("Without evidence of spasm.", "spasm", ABSENT),
        ("Lumbar exam w/o spasm.", "spasm", ABSENT),
        ("Walks w/o difficulty; spasm present.", "spasm", PRESENT),
        # an arrow charts a consequence: a negation before it does not reach past it
        ("No lifting over 20 lb -> restrictions in dispute.", "restrictions", PRESENT),
        ("No relief with therapy \u2192 spasm persists.", "spasm", PRESENT),
        ("Exam is negative for spasm.", "spasm", ABSENT),
        ("Lack of objective functional improvement.", "functional improvement", ABSENT),
        ("Absence of spasm on palpation.", "spasm", ABSENT),
        ("The provider failed to document functional improvement.", "functional improvement", ABSENT),
        ("Unable to document functional improvement.", "functional improvement", ABSENT),
        ("The notes do not document spasm.", "spasm", ABSENT),
        ("He does not have spasm.", "spasm", ABSENT),
        ("There was no spasm.", "spasm", ABSENT),
        ("No spasm, tenderness or guarding.", "guarding", ABSENT),
        # one cue read both ways: "not documented" before or after its target
        ("He did not document functional improvement.", "functional improvement", ABSENT),
        ("Urine drug screen not documented.", "Urine drug screen", ABSENT),
        ("Spasm not documented; tenderness over the facets.", "tenderness", PRESENT),
        # negated history: a treatment never had is not prior treatment
        ("There was no prior chiropractic care.", "chiropractic", ABSENT),
        ("She denies any previous therapy for the neck.", "therapy", ABSENT),
        ("He has never tried acupuncture.", "acupuncture", ABSENT),
        ("He has not yet had physical therapy.", "physical therapy", ABSENT),
        ("Prior injections were not tried.", "injections", ABSENT),
        ("Has not tried gabapentin, nortriptyline or duloxetine.", "duloxetine", ABSENT),
        ("She has not tried acupuncture.", "acupuncture", ABSENT),
        # planned and pending: not done yet
        ("A urine drug screen will be obtained at the next visit.", "urine drug screen", PLANNED),
        ("The plan is to start physical therapy; an MRI was ordered.", "MRI", PLANNED),
        ("Physical therapy was recommended.", "Physical therapy", PLANNED),
        ("The treatment plan on 11/2/2016 includes a referral to physical therapy.", "physical therapy", PLANNED),
        ("He was referred back to physical therapy.", "physical therapy", PLANNED),
        ("She was referred to physical therapy and has completed 8 sessions.", "physical therapy", PRESENT),
        ("The plan of care included a refill of naproxen and physical therapy twice a week.", "physical therapy", PLANNED),
        ("The plan was aquatic therapy twice a week for four weeks.", "aquatic therapy", PLANNED),
        ("Her treatment plan is acupuncture x6.", "acupuncture", PLANNED),
        ("A wrist splint will be fitted at the next visit.", "wrist splint", PLANNED),
        ("The provider requested acupuncture twice a week.", "acupuncture", PLANNED),
        ("The EMG results are pending.", "EMG", PLANNED),
        ("The CURES report has not yet been reviewed.", "CURES", ABSENT),
        ("He will continue his home exercise program.", "home exercise program", PRESENT),
        ("He completed six sessions of physical therapy.", "physical therapy", PRESENT),
        # negation, backward
        ("Muscle spasm in not noted.", "spasm", ABSENT),
        ("No history of substance abuse.", "history of substance abuse", ABSENT),
        ("Plan: therapy twice a week for 3 weeks, to include therapeutic exercise.", "therapeutic exercise", PLANNED),
        ("Her medications were noted to include naproxen.", "naproxen", PRESENT),
        ("Low risk, with no history of drug abuse.", "history of drug abuse", ABSENT),
        # a contracted "not" is a "not"
        ("He doesn't have spasm.", "spasm", ABSENT),
        ("The knee isn't swollen and doesn't lock.", "lock", ABSENT),
        ("She hasn't yet had physical therapy.", "physical therapy", ABSENT),
        ("The CURES report hasn't been reviewed.", "CURES report", ABSENT),
        ("Spasm was not present.", "Spasm", ABSENT),
        ("Functional improvement is not documented.", "Functional improvement", ABSENT),
        ("Functional improvement was not clearly documented.", "Functional improvement", ABSENT),
        ("Straight leg raise negative bilaterally.", "Straight leg raise", ABSENT),
        ("Spasm has resolved.", "Spasm", ABSENT),
        ("Radiculopathy was ruled out.", "Radiculopathy", ABSENT),
        # the improvement is negated, not the drug
        ("No documentation of objective functional improvement with tramadol.", "functional improvement", ABSENT),
        ("No documentation of objective functional improvement with tramadol.", "tramadol", PRESENT),
        ("No relief from physical therapy.", "physical therapy", PRESENT),
        # terminators
        ("There was no evidence of radiculopathy but spasm was noted.", "spasm", PRESENT),
        ("There was no evidence of radiculopathy but spasm was noted.", "radiculopathy", ABSENT),
        ("There is spasm, however no radiculopathy.", "spasm", PRESENT),
        ("There is spasm, however no radiculopathy.", "radiculopathy", ABSENT),
        ("No tenderness, although spasm persists.", "spasm", PRESENT),
        ("No tenderness, positive straight leg raise on the left.", "straight leg raise", PRESENT),
        ("Tenderness noted; no spasm.", "Tenderness", PRESENT),
        ("Spasm is present, no tenderness.", "Spasm", PRESENT),
        # pseudo-negations
        ("No significant change but positive straight leg raise.", "straight leg raise", PRESENT),
        ("Not only spasm but also guarding.", "spasm", PRESENT),
        ("No change in spasm since the last visit.", "spasm", PRESENT),
        ("No increase in spasm.", "spasm", PRESENT),
        ("Walks without difficulty and has spasm.", "spasm", PRESENT),
        # the "and" before a second predicate ends the first one's scope; its verb may open a negation of its own
        ("The notes list his drugs and did not document his gait, reflexes or any spasm.", "spasm", ABSENT),
        ("She reviewed the diary, and does not report any spasm, guarding or tenderness.", "tenderness", ABSENT),
        ("No tenderness and has spasm on the left.", "spasm", PRESENT),
        # uncertainty
        ("Possible radiculopathy.", "radiculopathy", UNCERTAIN),
        ("Rule out radiculopathy.", "radiculopathy", UNCERTAIN),
        ("Suspected lumbar radiculopathy.", "radiculopathy", UNCERTAIN),
        ("Radiculopathy is suspected.", "Radiculopathy", UNCERTAIN),
        ("Radiculopathy cannot be ruled out.", "Radiculopathy", UNCERTAIN),
        ("Findings suggestive of radiculopathy.", "radiculopathy", UNCERTAIN),
        ("No spasm, possible radiculopathy.", "radiculopathy", UNCERTAIN),
        ("No spasm, possible radiculopathy.", "spasm", ABSENT),
        ("There are no findings to indicate any possible radiculopathy.", "radiculopathy", ABSENT),
        ("History of fusion, no spasm.", "spasm", ABSENT),
        ("Exam: negative Tinel's and Phalen's signs.", "Phalen's", ABSENT),
        ("Positive Tinel's, negative Phalen's.", "Tinel's", PRESENT),
        ("Grip is weak. Negative Tinel's sign.", "Tinel's", ABSENT),
        ("She denies side effects and reports relief with Norco.", "relief", PRESENT),
        ("She denies side effects and reports relief with Norco.", "side effects", ABSENT),
        ("No red flags were found and the patient has radicular pain.", "radicular pain", PRESENT),
        ("The injured worker is not working.", "working", ABSENT),
        ("EMG is not necessary if radiculopathy is clinically obvious.", "radiculopathy", HYPOTHETICAL),
        ("Assess whether spasm recurs.", "spasm", HYPOTHETICAL),
        ("Short-term goals: improve sitting tolerance.", "sitting tolerance", HYPOTHETICAL),
        ("The medication is expected to allow her to cook.", "cook", HYPOTHETICAL),
        ("Her sitting tolerance improved with therapy.", "sitting tolerance", PRESENT),
        # exam templates
        ("Spasm: none.", "Spasm", ABSENT),
        ("SLR: negative bilaterally.", "SLR", ABSENT),
        ("Tenderness: present; spasm: absent.", "Tenderness", PRESENT),
        ("Tenderness: present; spasm: absent.", "spasm", ABSENT),
        ("Assessment: lumbar radiculopathy.", "radiculopathy", PRESENT),
        # plain affirmation and sentence scope
        ("Exam: paraspinal spasm and tenderness.", "spasm", PRESENT),
        ("No tenderness. Spasm of the trapezius.", "Spasm", PRESENT),
        # a cue inside brackets governs no further than the closing bracket
        ("She works her shifts (no lifting over 25 pounds), cooks and walks 30 minutes.", "walks 30 minutes", PRESENT),
        ("She works her shifts (no lifting over 25 pounds), cooks and walks 30 minutes.", "lifting", ABSENT),
        ("No effusion (right knee) or instability.", "instability", ABSENT),
    ],
)
def test_assertion_status(sentence: str, target: str, expected: FactStatus) -> None:
    start = sentence.index(target)
    assert assert_status(sentence, start, start + len(target)) is expected


def test_assertion_looks_only_at_the_target_sentence() -> None:
    text = "Dr. Lee examined him on 1/2/2016. No spasm. Tenderness over the L4-5 facets was noted."
    start = text.index("Tenderness")
    assert assert_status(text, start, start + len("Tenderness")) is PRESENT


def test_a_rule_kept_to_some_kinds_does_not_end_the_scope_of_another() -> None:
    """The word "baseline" qualifies a functional measure only: the drug screen after it is still in the plan's scope,
    while the functional measure is baseline (hypothetical)."""
    text = "Plan: baseline urine drug screen and baseline walking tolerance before starting the trial."
    screen = text.index("urine drug screen")
    assert assertion(text, screen, screen + len("urine drug screen"), "monitoring").status is PLANNED
    walking = text.index("walking tolerance")
    assert assertion(text, walking, walking + len("walking tolerance"), "functional").status is HYPOTHETICAL


@pytest.mark.parametrize(
    ("text", "target", "kind", "expected"),
    [
        # a drug or treatment declined, avoided or never started was not tried
        ("He asked to avoid gabapentin because of the weight gain it may cause.", "gabapentin", "medication", ABSENT),
        ("She declined a trial of pregabalin.", "pregabalin", "medication", ABSENT),
        ("He refused to take nortriptyline.", "nortriptyline", "medication", ABSENT),
        ("Duloxetine was never filled; she did not want to take Cymbalta.", "Cymbalta", "medication", ABSENT),
        ("She chose not to start acupuncture.", "acupuncture", "prior_treatment", ABSENT),
        ("Her pregabalin prescription was never filled.", "pregabalin", "medication", ABSENT),
        ("Acupuncture was declined by the patient.", "Acupuncture", "prior_treatment", ABSENT),
        # declining to go on with it: it was tried
        ("He declined to continue gabapentin after two months of dizziness.", "gabapentin", "medication", PRESENT),
        ("She refused further physical therapy after 12 visits.", "physical therapy", "prior_treatment", PRESENT),
        # a finding is not what a worker declines
        ("He declined to answer questions; spasm was noted.", "spasm", "finding", PRESENT),
    ],
)
def test_a_treatment_declined_or_never_started_was_not_tried(text: str, target: str, kind: str, expected: FactStatus) -> None:
    start = text.index(target)
    assert assertion(text, start, start + len(target), kind).status is expected


@pytest.mark.parametrize(
    "text",
    [
        "Baseline: sits 20 min, walks 2 blocks.",
        "Baseline at the intake evaluation: sits 20 min, walks 2 blocks.",
        "Baseline measures at the initial visit: sits 20 min, walks 2 blocks.",
    ],
)
def test_a_measure_under_a_baseline_heading_is_no_outcome(text: str) -> None:
    """A baseline heading names when the baseline was taken in a few words: what it lists is the measure before care."""
    start = text.index("sits 20 min")
    assert assertion(text, start, start + len("sits 20 min"), "functional").status is HYPOTHETICAL


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        # every item of a plan list is planned: past "with", a semicolon before one more item, beyond twelve words
        ("Low back pain persists. Plan: begin CBT with biofeedback.", "biofeedback", PLANNED),
        ("The treatment plan included a TENS trial, PT 2x4 and a follow-up; acupuncture x6.", "acupuncture", PLANNED),
        (
            "The treatment plan includes a home exercise program, a follow-up visit with the orthopedic surgeon in four "
            "weeks and a course of acupuncture.",
            "acupuncture",
            PLANNED,
        ),
        ("The plan is to start PT; he completed acupuncture last year.", "acupuncture", PRESENT),
        # a recommendation however far its treatment is written from it
        ("Physical therapy for the lumbar spine two times a week for four weeks is recommended.", "Physical therapy", PLANNED),
        ("We recommend that she complete a supervised course of aquatic therapy.", "aquatic therapy", PLANNED),
        ("He completed physical therapy in 2015 and a TENS unit is recommended.", "physical therapy", PRESENT),
        # a treatment joined to a planned one ("combined with", "together with") is planned with it, however long the
        # first is told
        (
            "The pain psychologist recommends a two-week course of cognitive behavioral therapy, four individual sessions, "
            "in conjunction with EMG biofeedback for relaxation.",
            "biofeedback",
            PLANNED,
        ),
        (
            "We recommend a short trial of individual psychotherapy over two weeks (three to four visits) together with "
            "thermal biofeedback.",
            "biofeedback",
            PLANNED,
        ),
        ("Biofeedback was recommended with CBT, and he completed physical therapy in 2015.", "physical therapy", PRESENT),
    ],
)
def test_a_plan_governs_every_item_of_its_list(text: str, target: str, expected: FactStatus) -> None:
    start = text.index(target)
    assert assertion(text, start, start + len(target), "prior_treatment").status is expected


def test_historical_is_flagged_but_present() -> None:
    text = "History of lumbar fusion in 2012."
    start = text.index("lumbar fusion")
    result = assertion(text, start, start + len("lumbar fusion"))
    assert (result.status, result.historical) == (PRESENT, True)
    assert [m.category for m in result.modifiers] == ["historical"]


def test_find_mentions_gives_each_target_its_status() -> None:
    matcher = TermMatcher({"spasm": "spasm", "radiculopathy": "radiculopathy", "tramadol": "tramadol"})
    text = "No radiculopathy. Muscle spasm is present. No functional improvement with tramadol. Possible radiculopathy."
    found = [(m.text, m.status) for m in find_mentions(text, matcher)]
    assert found == [("radiculopathy", ABSENT), ("spasm", PRESENT), ("tramadol", PRESENT), ("radiculopathy", UNCERTAIN)]


def test_mention_gives_its_span() -> None:
    text = "Paraspinal spasm noted."
    (mention,) = find_mentions(text, TermMatcher({"spasm": "spasm"}))
    span = mention.span("progress-note-1")
    assert (span.document_id, span.start, span.end, span.text) == ("progress-note-1", 11, 16, "spasm")


def test_find_mentions_without_targets() -> None:
    assert find_mentions("No spasm.", TermMatcher({"guarding": 1})) == []


def test_every_rule_matches_its_own_example() -> None:
    for rule in context_rules().rules:
        assert rule.example, rule
        assert rule.regex().search(rule.example), rule


def test_every_rule_is_found_in_its_own_example() -> None:
    for rule in context_rules().rules:
        assert rule.example
        start = rule.regex().search(rule.example)
        assert start is not None
        sentence = rule.example
        modifiers = find_modifiers(sentence, Sentence(0, len(sentence), sentence))
        if rule.category not in ("pseudo", "terminate"):
            assert any(m.rule == rule or m.start <= start.start() < m.end for m in modifiers), rule


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("{category: negated, literal: 'no'}", "needs a direction"),
        ("{category: terminate, literal: but, direction: forward}", "takes no direction"),
        ("{category: negated, direction: forward}", "exactly one of literal and pattern"),
        ("{category: negated, pattern: '(', direction: forward}", "not a valid regular expression"),
        ("{category: denied, literal: 'no', direction: forward}", "category"),
        ("{category: negated, literal: 'no', direction: sideways}", "direction"),
        ("{category: negated, literal: 'no', direction: forward, scope: 3}", "scope"),
        ("{category: negated, pattern: 'x?', direction: forward}", "matches empty text"),
        ("{category: negated, literal: 'no', direction: forward, list: true}", "only a forward planned rule"),
    ],
)
def test_broken_rules_are_rejected(rule: str, problem: str) -> None:
    with pytest.raises(OpenIMRError, match=problem):
        parse_knowledge(f"source: s\nrules:\n  - {rule}\n", ContextRules, "context/rules.yaml")


def test_hypothetical_is_its_own_status() -> None:
    text = "Imaging is indicated if red flags develop."
    start = text.index("red flags")
    result = assertion(text, start, start + len("red flags"))
    assert (result.status, result.hypothetical) == (HYPOTHETICAL, True)


@pytest.mark.parametrize(
    ("sentence", "target", "cue", "category"),
    [
        ("The patient denies numbness in the hands.", "numbness", "denies", "negated"),
        ("A repeat MRI will be obtained.", "MRI", "will be obtained", "planned"),
        ("Rule out a meniscus tear.", "meniscus tear", "Rule out", "uncertain"),
    ],
)
def test_assertion_keeps_the_cue_and_rule_that_set_it(sentence: str, target: str, cue: str, category: str) -> None:
    start = sentence.index(target)
    result = assertion(sentence, start, start + len(target))
    assert result.cue(sentence) == cue
    assert result.deciding is not None and result.deciding.describe().startswith(category)


def test_family_history_is_about_someone_else() -> None:
    text = "Family history of rheumatoid arthritis."
    start = text.index("rheumatoid arthritis")
    assert assertion(text, start, start + len("rheumatoid arthritis")).experiencer == "other"
