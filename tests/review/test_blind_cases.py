"""A blind check of the engine: synthetic cases written from the guideline rules in `shared/docs/domain.md` by
engineers who had not read the knowledge base or its vignettes, each with the decision its guideline gives
(`tests/review/blind/` to `blind15/`: one case file a case, `expected.json` the decisions and the rule behind each).

The engine must keep agreeing with at least as many items as it did when the set was last measured. These cases
measure how the knowledge generalises: never write a term, pattern or rule from their wording; a rule a
disagreement calls for comes from the guideline and is proved with vignettes of its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from openimr.model import Decision
from openimr.review import review_case
from openimr.review.case_file import load_case

HERE = Path(__file__).parent


@dataclass(frozen=True)
class BlindSet:
    """One set of blind cases and the engine's agreement with it when last measured."""

    folder: str
    agreeing_items: int
    overturned_caught: int


BLIND_SETS = [
    BlindSet("blind", agreeing_items=183, overturned_caught=69),
    # written 2026-12-01 by another engineer (154 cases, 184 items, 78 Overturned); measured before any change it
    # guided: 156 items agree, 53 Overturned caught
    BlindSet("blind2", agreeing_items=184, overturned_caught=78),
    # written 2026-12-01 by a third engineer (174 cases, 191 items, 82 Overturned); measured before any change it
    # guided: 162 items agree, 55 Overturned caught (147 and 39 before 48 requests' "#N" quantities, which YAML had read
    # as comments, were quoted)
    BlindSet("blind3", agreeing_items=191, overturned_caught=82),
    # written 2026-12-01 by a fourth engineer (192 cases, 212 items, 91 Overturned); measured before any change it
    # guided: 180 items agree, 62 Overturned caught, 118 of 121 Upheld kept (balanced accuracy 0.828)
    # 202 and 82 after a short course of a short-acting opioid for acute pain (eng-rx)
    BlindSet("blind4", agreeing_items=212, overturned_caught=91),
    # written 2026-12-01 by a fifth engineer (147 cases, 163 items, 65 Overturned), held back and measured once at the end
    # of the session that wrote it: 146 items agree, 50 Overturned caught, 96 of 98 Upheld kept (balanced accuracy 0.874;
    # the engine at the session's start: 144, 48 and 96, 0.859)
    # 153 and 57 after the injection and medication readings of eng-rx (relief as an arrow, steroid injections as care
    # tried, acute and post-operative opioids, a baseline drug screen, antiemetics with an authorized surgery)
    BlindSet("blind5", agreeing_items=163, overturned_caught=65),
    # written 2026-12-01 by a sixth and a seventh engineer (180 cases, 201 items, 85 Overturned), held back and measured
    # once at the end of the session that wrote it: 177 items agree, 67 Overturned caught, 110 of 116 Upheld kept
    # (balanced accuracy 0.868; the engine at the session's start: 172, 62 and 110, 0.839)
    # 182 and 72 after the surgery readings of eng-surg (electrodiagnostic findings with their grade, basic care and
    # persisting entrapment signs as failed care for nerve releases, night pain, an order not to drive, a two-tendon or
    # 3 cm tear as large)
    # 182 and 71 after work conditioning was kept to its own topic after a surgery and the programme and imaging
    # readings of eng-pm (demand levels, return-to-work attempts that ended, occult fracture signs, CT of a fusion)
    # 183 and 72 after eng-inj's readings (a plan's orders read clause by clause, a note's tally of sessions, a repeat
    # psychological evaluation without a new question, knee osteoarthritis still symptomatic after care, steroid
    # injections in shorthand, medication as a modality tried before TENS)
    # 185 and 70 after the medication restructuring of eng-rx (a surgery's own year dates it; post-operative opioids
    # short-acting and begun with the surgery; the steps before an opioid trial; opioid therapy and tool-first risk for
    # drug testing; a PPI only with an NSAID taken by mouth now)
    # 200 and 84 with eng-surg, eng-pm, eng-inj and eng-rx
    # 200 and 84 still after eng-read (a year alone kept to its precision, studies ordered after a report planned,
    # the long-acting form of an opioid from the lexicon or the request's ER wording)
    # 201 and 85 after eng-rx's medication readings (relief as the score before a drug and now, and a note's gains
    # reported with it; a drug in a cream is not the drug by mouth; topical NSAIDs for osteoarthritis at an amenable
    # joint; a baseline drug screen before an opioid trial and the yearly screen due at nine months)
    BlindSet("blind6", agreeing_items=201, overturned_caught=85),
    # written 2026-12-01 by an eighth and a ninth engineer (180 cases, 205 items, 87 Overturned), held back and measured
    # once at the end of the session that wrote it: 189 items agree, 75 Overturned caught, 114 of 118 Upheld kept
    # (balanced accuracy 0.914; the engine at the session's start: 185, 73 and 112, 0.894)
    # 194 and 80 after eng-rx's medication readings (the same)
    # 192 and 77 after eng-img's readings (the labral provocative tests and mechanical symptoms for a shoulder MR
    # arthrogram, the neck films after trauma by ACOEM's and the Canadian C-spine rule's high-risk findings and age,
    # an epidural injection's findings, study and level pointing to the same root and side)
    # 197 and 82 with eng-rx and eng-img
    # 192 and 78 after eng-pt (biofeedback within a CBT program authorized, under way, planned or requested; the gains
    # a postoperative course is charted by; a return to work charted with what ended it, conflicting restrictions)
    # 200 and 85 with eng-rx, eng-img and eng-pt
    # 194 and 77 after eng-opi's opioid readings (a post-operative course counted from the surgery: an operation a
    # procedure note reports, one certified and to come that the opioid is prescribed for; a note's heading dates the
    # note, not an old operation; aberrant drug-taking bars every path but weaning; an acute supply with its refills
    # or by the record's prescription; a limit of activity and a review not done are no improvement or monitoring)
    # 205 and 87 with eng-rx, eng-img, eng-pt and eng-opi (opioid phase from the surgery a course follows, aberrant
    # drug-taking on every path that supplies more, the supply with its refills, limits of activity not improvement)
    BlindSet("blind7", agreeing_items=205, overturned_caught=87),
    # written 2026-12-01 by a tenth and an eleventh engineer (180 cases, 201 items, 86 Overturned), held back and
    # measured at the session's start (main: 181 items agree, 68 Overturned caught, 113 of 115 Upheld kept, balanced
    # accuracy 0.887) and once on the engine that lands: 186, 73 and 113 (0.916)
    # 190 and 76 after eng-udp's readings (the risk of opioid misuse however a note states it, aberrant drug-taking as
    # the reason for frequent testing, a last test dated to a month read by whole months; psychotherapies by their own
    # names and a course by its length and frequency; a repeat psychological evaluation once one has settled the
    # treatment, recommended or begun)
    # 191 and 78 after eng-proc's readings (failed conservative care as notes state it, for ESIs and trigger point
    # injections; a lateral ankle ligament reconstruction path; a follow-up to assess a treatment's response; complex
    # return-to-work issues and nearness to MMI as records state them for an FCE)
    # 195 and 81 with eng-udp and eng-proc
    # 192 and 78 with eng-med (as a development set: a prescription written at the visit or a course finished long ago
    # is not use of the drug; insomnia and relief as notes describe them; continued antidepressants for depression
    # need documented improvement)
    # 201 and 86 with eng-udp, eng-proc and eng-med
    BlindSet("blind8", agreeing_items=201, overturned_caught=86),
    # written 2026-12-02 by a twelfth and a thirteenth engineer (180 cases, 202 items, 84 Overturned), held back and
    # measured at the session's start (main: 181 items agree, 67 Overturned caught, 114 of 118 Upheld kept, balanced
    # accuracy 0.882) and on the engine merged to land: 182, 68 and 114 (0.888); a regression it showed (an "A/P:" line's
    # findings read as planned since the plan-list reading) was fixed in general: 183, 69 and 114 (0.894); imaging,
    # bone scan and consultation readings restructured from the guidelines (session 26: normal films stated as no
    # fracture shown, a new or progressive deficit after lumbar surgery, findings of the spine part studied, CRPS signs
    # for a bone scan, a head injury by its sequelae): 188, 71 and 117 (0.918)
    # 190 and 75 after eng-injmed's readings (as a development set: care has not failed only on a change a conservative
    # therapy made, not a measured tolerance nor a repeat block's own relief; CESI/LESI relief read for a repeat; a
    # second injection requested with the first is a repeat; a neurotomy considered is no surgery; capsaicin for
    # intolerance of other treatments; an NSAID stopped, harmful or replaced is no duplicate; an evaluation for a
    # stimulator is its own item)
    # 195 and 77 with eng-imgcons and eng-injmed
    # 190 and 76 with eng-rehab (as a development set: complex return-to-work issues read as facts, a return then time
    # off work, two medical opinions on restrictions; a tested capacity set against the job's demands; loss of function,
    # homebound and a trial's results as notes state them; the arms of a seat are not the worker's)
    # 202 and 84 with the four engine branches
    BlindSet("blind9", agreeing_items=202, overturned_caught=84),
    # written 2026-12-02 by a fourteenth and a fifteenth engineer (180 cases, 206 items, 87 Overturned), held back and
    # measured at the session's start (main: 193 items agree, 77 Overturned caught, 116 of 119 Upheld kept, balanced
    # accuracy 0.930) and on the engine merged to land: 195, 79 and 116 (0.941)
    # 199 and 82 after eng-proc's readings (as a development set: the gap to the job's demands as notes state it; would
    # consider surgery as a referral or a search for a surgical lesion, and the low back's own findings, for a lumbar
    # MRI; a program's admission evaluation is not the program, an extension past 20 full-day sessions needs an
    # individualized plan's reasons; a tear suspected from its mechanical signs is a referral for an uncertain diagnosis)
    # 198 and 81 after eng-med's medication readings (as a development set: the total daily dose of all the opioids of a
    # regimen; an undated operation does not make an opioid in use post-operative; working as the guideline's reason to
    # continue an opioid; topical NSAIDs counted from their own start, and continued with benefit when oral NSAIDs are
    # contraindicated)
    # 199 and 82 after eng-inj's readings (as a development set: a repeat block's relief written as ranges of scores or
    # percents; knee OA and shoulder impingement still painful after conservative care; a plan's orders told in
    # sequence read each on its own; a repeat trochanteric bursa injection needs the earlier one's lasting relief)
    # 206 and 87 with the four engine branches
    BlindSet("blind10", agreeing_items=206, overturned_caught=87),
    # written 2026-12-02 by a sixteenth and a seventeenth engineer (180 cases, 206 items, 85 Overturned), held back and
    # measured at the session's start (main: 189 items agree, 72 Overturned caught, 117 of 121 Upheld kept, balanced
    # accuracy 0.907) and on the engine merged to land: the same 189, 72 and 117 (0.907), the same items
    # 193 and 74 after eng-rx2's readings (as a development set: refills count toward a first supply; a drug found that
    # is not prescribed is an unexpected drug test; drugs listed under a post-operative lead-in are the operation's
    # prescription; nausea tied to the drugs taken is chronic opioid nausea; a compound procedure keeps its own date)
    # 194 and 77 after eng-rx1's readings (an NSAID that caused a bleed is a finished course; GI risk factors, spasticity
    # and neuropathic pain as notes name them; an oral NSAID stopped for its harm; gains at work and in sleep)
    # 191 and 73 after eng-inj's readings (pain still scored after care; earlier injections with the joint after the
    # word; relief bounded by two dates or events)
    # 195 and 77 after eng-pm's readings (normal plain films in the rule's general form; a course told in blocks; work
    # status in shorthand; a plan or a candidacy is not care given; a programme's team or evaluation is not attendance)
    # 206 and 85 with the four engine branches
    BlindSet("blind11", agreeing_items=206, overturned_caught=85),
    # written 2026-12-02 by an eighteenth and a nineteenth engineer (180 cases, 202 items, 95 Overturned), held back
    # and measured at the session's start (main: 178 items agree, 78 Overturned caught, 100 of 107 Upheld kept,
    # balanced accuracy 0.878) and on the engine merged to land: 181, 81 and 100 (0.894)
    # one case's expected decisions (mc03) had been listed in its rule's order, not its items'; in its items' order the
    # engine that landed agrees with 183 items, 82 Overturned caught, 101 of 107 Upheld kept (0.908)
    # then a development set (session 29): 202 and 95 after eng-inj14 (the levels and count a spinal injection request
    # holds, injections already given at a joint, a dose stated or worked out from the listed opioids, a repeat
    # psychological evaluation), eng-rx14 (insomnia measured, a muscle relaxant course finished long ago, a drug test's
    # results against what is prescribed), eng-img14 (XR films, tumour red flags, symptoms after lumbar surgery,
    # homebound, custom knee braces, prosthesis wear) and eng-pm14 (a request's region from the diagnoses, visits as
    # notes count them, exercise kits by their contents, gains charted as now against before)
    BlindSet("blind12", agreeing_items=202, overturned_caught=95),
    # written 2026-12-02 by a twentieth and a twenty-first engineer (180 cases, 199 items, 95 Overturned) in the middle
    # of the session, first measured on the engine merged so far (182 items agree, 81 Overturned caught, 101 of 104
    # Upheld kept, balanced accuracy 0.912; main at the session's start: 182 too), then a development set:
    # 199 and 95 after inj13, rx13, surg13, pm13 and psy13
    BlindSet("blind13", agreeing_items=199, overturned_caught=95),
    # written 2026-12-02 by a twenty-second and a twenty-third engineer (180 cases, 204 items, 98 Overturned), held back
    # all of session 29 and measured at its start (main: 183 items agree, 81 Overturned caught, 102 of 106 Upheld kept,
    # balanced accuracy 0.894) and once on the engine merged to land: the same 183, 81 and 102, the same items; then a
    # development set in session 30: 200 and 94 after eng-img30, eng-rx30, eng-inj30, eng-neuro30 and eng-ther30, 201
    # and 95 after its second wave
    BlindSet("blind14", agreeing_items=201, overturned_caught=95),
    # written 2026-12-02 by a twenty-fourth and a twenty-fifth engineer (180 cases, 207 items, 105 Overturned) in the
    # middle of session 29, first measured on the engine merged so far (blind12's fixes, before it guided anything):
    # 186 items agree, 89 Overturned caught, 97 of 102 Upheld kept, balanced accuracy 0.899 (main at the session's
    # start: 184, 88 and 96, 0.890)
    # 194 and 95 after eng-rx15 (an unticked box negates its label), eng-inj15 (a dose cut written as dosing
    # frequencies; procedure and operative notes as their procedure's report), eng-img15 (a procedure's name split by a
    # bracketed note; no knee MRI for osteoarthritis alone) and eng-surg15 (large cuff tears as notes size them; partial
    # or short relief as care that failed; an opioid taper under way for a programme); 201 and 100 after session 30's
    # first wave, 203 and 102 after its second
    BlindSet("blind15", agreeing_items=203, overturned_caught=102),
    # written 2026-12-02 by a twenty-sixth and a twenty-seventh engineer (180 cases, 207 items, 103 Overturned), held
    # back all of session 30 and measured at its start (main: 188 items agree, 90 Overturned caught, 98 of 104 Upheld
    # kept, balanced accuracy 0.908) and once on the engine merged to land: 191, 92 and 99, 0.923 (three items gained,
    # none lost)
    BlindSet("blind16", agreeing_items=191, overturned_caught=92),
    # written 2026-12-02 by a twenty-eighth and a twenty-ninth engineer (180 cases, 206 items, 103 Overturned) at the
    # start of session 30, first measured on the engine merged after its first wave (blind14 and blind15's fixes,
    # before it guided anything): 187 items agree, 90 Overturned caught, 97 of 103 Upheld kept, balanced accuracy 0.908
    # (main at the session's start: 186, 89 and 97, 0.903); 196 and 96 after the second wave (eng-inj2, eng-rx2,
    # eng-psy2, eng-ther2, eng-dme2)
    BlindSet("blind17", agreeing_items=196, overturned_caught=96),
]


@pytest.mark.parametrize("blind", BLIND_SETS, ids=lambda blind: blind.folder)
def test_the_engine_agrees_with_the_blind_cases(blind: BlindSet) -> None:
    folder = HERE / blind.folder
    expected = json.loads((folder / "expected.json").read_text())
    agreeing = caught = 0
    disagreements = []
    for name, case in sorted(expected.items()):
        drafted = review_case(load_case(folder / f"{name}.yaml")).items
        assert len(drafted) == len(case["expected"]), name
        for number, (want, item) in enumerate(zip(case["expected"], drafted, strict=True), 1):
            agrees = item.decision == Decision(want)
            agreeing += agrees
            caught += agrees and want == Decision.OVERTURNED
            if not agrees:
                disagreements.append(f"{name} item {number}: {item.decision} ({item.topic}), expected {want}: {case['rule']}")
    summary = f"{agreeing} items agree, {caught} Overturned caught; disagreements:\n" + "\n".join(disagreements)
    assert agreeing >= blind.agreeing_items, summary
    assert caught >= blind.overturned_caught, summary
