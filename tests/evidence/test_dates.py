"""Dates and durations in synthetic clinical text."""

from __future__ import annotations

import datetime as dt

import pytest

from openimr.evidence import as_read, gather_evidence
from openimr.evidence.dates import (
    DatePrecision,
    DurationKind,
    date_before,
    find_dates,
    find_durations,
    find_event_dates,
    injury_date_in,
    parse_date,
)
from openimr.model import Case, CaseDates, DisputedItem, Document, last_day
from openimr.requests import parse_request
from openimr.review.structure import phase_of


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("seen 12/15/2011 in clinic", dt.date(2011, 12, 15), DatePrecision.DAY),
        ("seen 1/5/16 in clinic", dt.date(2016, 1, 5), DatePrecision.DAY),
        ("seen 01-05-2016 in clinic", dt.date(2016, 1, 5), DatePrecision.DAY),
        ("seen 2016-01-05 in clinic", dt.date(2016, 1, 5), DatePrecision.DAY),
        ("seen January 5, 2016 in clinic", dt.date(2016, 1, 5), DatePrecision.DAY),
        ("seen Sept. 30, 2015 in clinic", dt.date(2015, 9, 30), DatePrecision.DAY),
        ("seen 5 March 2014 in clinic", dt.date(2014, 3, 5), DatePrecision.DAY),
        ("seen in March of 2014", dt.date(2014, 3, 1), DatePrecision.MONTH),
        ("since 1/2016 on Norco", dt.date(2016, 1, 1), DatePrecision.MONTH),
        ("since 2015 on Norco", dt.date(2015, 1, 1), DatePrecision.YEAR),
        # a year alone, however it is set in the sentence
        ("injured in 2012 at work", dt.date(2012, 1, 1), DatePrecision.YEAR),
        ("s/p lumbar fusion (2015), doing poorly", dt.date(2015, 1, 1), DatePrecision.YEAR),
        ("s/p R RCR 2012.", dt.date(2012, 1, 1), DatePrecision.YEAR),
        ("symptoms began in the fall of 2016", dt.date(2016, 1, 1), DatePrecision.YEAR),
        ("Fall 2016: first seen", dt.date(2016, 1, 1), DatePrecision.YEAR),
        ("seen Auguſt 3, 2015 (a long s, as OCR may read it)", dt.date(2015, 8, 3), DatePrecision.DAY),
        ("seen 3 AUGUST 2015 in clinic", dt.date(2015, 8, 3), DatePrecision.DAY),
    ],
)
def test_find_dates(text: str, date: dt.date, precision: DatePrecision) -> None:
    found = find_dates(text)
    assert [(f.date, f.precision) for f in found] == [(date, precision)]
    assert find_dates(text)[0].start == text.index(text[found[0].start : found[0].end])


def test_each_precision_keeps_its_dates_however_often_a_text_is_read() -> None:
    text = "Seen 3/2/2016 after the 2014 fusion; MRI in May 2015."
    day = [f.date for f in find_dates(text, DatePrecision.DAY)]
    every = find_dates(text)
    every.clear()  # a caller's list is its own
    assert day == [dt.date(2016, 3, 2)]
    assert [f.date for f in find_dates(text, DatePrecision.MONTH)] == [dt.date(2016, 3, 2), dt.date(2015, 5, 1)]
    assert [(f.date, f.precision) for f in find_dates(text)] == [
        (dt.date(2016, 3, 2), DatePrecision.DAY),
        (dt.date(2014, 1, 1), DatePrecision.YEAR),
        (dt.date(2015, 5, 1), DatePrecision.MONTH),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Norco 7.5 mg",
        "pain 6/10",
        "13/45/2016",
        "2/30/2016",
        "L4-5",
        "#120",
        "10/325mg",
        "ratio 1.5/2",
        # a range of pain scores: a date writes the same mark between its three numbers
        "pain usually 4-5/10 with the medication",
        "VAS 7-8/10 at rest",
        # a four-digit number with a unit is a quantity, not a year
        "ibuprofen up to 2000 mg a day",
        "walks 1900 feet",
        "a 2000 calorie diet",
        # a month without a year, in a text with no digit at all
        "seen in March, doing better",
    ],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text) == []


def test_precision_filter_and_parse_date() -> None:
    text = "Since 2014; seen 3/4/2016."
    assert [f.date for f in find_dates(text, DatePrecision.DAY)] == [dt.date(2016, 3, 4)]
    assert parse_date(text) == dt.date(2016, 3, 4)
    assert parse_date("no date here") is None


REF = dt.date(2016, 11, 3)
INJURY = dt.date(2013, 5, 20)


@pytest.mark.parametrize(
    ("text", "kind", "since", "days", "at_least"),
    [
        # a month or a year is counted from its last day, a lower bound ("since 2014": at least since 12/31/2014)
        ("on Norco since at least 2014", DurationKind.SINCE_DATE, dt.date(2014, 1, 1), (REF - dt.date(2014, 12, 31)).days, True),
        ("on Norco since 2014", DurationKind.SINCE_DATE, dt.date(2014, 1, 1), (REF - dt.date(2014, 12, 31)).days, True),
        ("on Norco since 3/1/2016", DurationKind.SINCE_DATE, dt.date(2016, 3, 1), (REF - dt.date(2016, 3, 1)).days, False),
        ("used for 6 months", DurationKind.SPAN, REF - dt.timedelta(days=180), 180, False),
        ("pain for over a year", DurationKind.SPAN, REF - dt.timedelta(days=365), 365, True),
        ("PT over the past 3 weeks", DurationKind.SPAN, REF - dt.timedelta(days=21), 21, False),
        ("applied over the prior 6 weeks", DurationKind.SPAN, REF - dt.timedelta(days=42), 42, False),
        ("for the previous 2 months", DurationKind.SPAN, REF - dt.timedelta(days=60), 60, False),
        ("for 2-3 months", DurationKind.SPAN, REF - dt.timedelta(days=90), 90, False),
        ("started two weeks ago", DurationKind.AGO, REF - dt.timedelta(days=14), 14, False),
        ("on it since the date of injury", DurationKind.SINCE_INJURY, INJURY, (REF - INJURY).days, False),
        ("taken chronically", DurationKind.CHRONIC, None, None, True),
        ("on it for years", DurationKind.CHRONIC, None, None, True),
        ("worse over the last year", DurationKind.SPAN, REF - dt.timedelta(days=365), 365, False),
        ("on it since his injury", DurationKind.SINCE_INJURY, INJURY, (REF - INJURY).days, False),
        ("on it since January 2015", DurationKind.SINCE_DATE, dt.date(2015, 1, 1), (REF - dt.date(2015, 1, 31)).days, True),
        # a year that may not be over yet gives no length
        ("on it since 2016", DurationKind.SINCE_DATE, dt.date(2016, 1, 1), None, True),
        ("for the past several months", DurationKind.SPAN, REF - dt.timedelta(days=90), 90, False),
        ("insomnia x 10 mos", DurationKind.SPAN, REF - dt.timedelta(days=300), 300, False),
        ("started 3 wks ago", DurationKind.AGO, REF - dt.timedelta(days=21), 21, False),
        ("on it for 2 yrs", DurationKind.SPAN, REF - dt.timedelta(days=730), 730, False),
        # an approximate length is no lower bound
        ("relief for roughly 10 weeks", DurationKind.SPAN, REF - dt.timedelta(days=70), 70, False),
        ("relief lasting close to 2 months", DurationKind.SPAN, REF - dt.timedelta(days=60), 60, False),
        ("better for ~3 weeks", DurationKind.SPAN, REF - dt.timedelta(days=21), 21, False),
    ],
)
def test_durations(text: str, kind: DurationKind, since: dt.date | None, days: int | None, at_least: bool) -> None:
    found = find_durations(text, reference=REF, injury=INJURY)
    assert [(d.kind, d.since, d.days, d.at_least) for d in found] == [(kind, since, days, at_least)]


@pytest.mark.parametrize(
    ("text", "since", "days"),
    [
        # a month without its year is the latest one before the end, or before the date the text speaks from
        ("relief from the injection in April until July", dt.date(2016, 4, 1), 91),
        # by whole months when a month bounds it ("recently": the month of the date the text speaks from)
        ("good relief since the injection in April until recently", dt.date(2016, 4, 1), 214),
        ("the block in December helped until March", dt.date(2015, 12, 1), 91),
        ("relief from 3/2016 until 8/2016", dt.date(2016, 3, 1), 153),
        ("better from March to July", dt.date(2016, 3, 1), 122),
        ("relief from the 5/2016 injection until a month ago", dt.date(2016, 5, 1), 153),
        ("relief from the injection on 9/1/2016 until 9/15/2016", dt.date(2016, 9, 1), 14),
        # a part of a month the text names is its first, fifteenth or last day
        ("relief from mid-March to the end of April", dt.date(2016, 3, 15), 46),
        ("relief from the injection in early March until mid-July", dt.date(2016, 3, 1), 136),
        # an event the text dates closes it
        ("relief from the block in April until a fall at work in August", dt.date(2016, 4, 1), 122),
        ("relief from 3/2016 until the flare-up of 6/2016", dt.date(2016, 3, 1), 92),
        ("On 10/1/2016, the physician noted relief from the block in May until recently", dt.date(2016, 5, 1), 184),
    ],
)
def test_spans_bounded_by_two_dates_or_events(text: str, since: dt.date, days: int) -> None:
    found = [d for d in find_durations(text, reference=REF) if d.kind == DurationKind.BOUNDED]
    assert [(d.since, d.days) for d in found] == [(since, days)]


@pytest.mark.parametrize(
    "text",
    [
        "relief until recently",  # no start
        "pain from 8/10 to 3/10 after the injection in May",  # scores, not dates
        "Per the report dated 10/16/2016, relief from the injection lasted until recently",  # the report's date
        "the block in may help until recently",  # the verb, not the month
        "pain dec 60% after the block until 2 weeks ago",  # "dec": decreased, not December
        "injection in November, relief until recently",  # no length: the same month as the note
    ],
)
def test_no_bounded_span_without_two_ends(text: str) -> None:
    assert [d for d in find_durations(text, reference=REF) if d.kind == DurationKind.BOUNDED] == []


def test_last_day_of_a_month_or_year() -> None:
    assert last_day(dt.date(2014, 1, 1), DatePrecision.YEAR) == dt.date(2014, 12, 31)
    assert last_day(dt.date(2016, 2, 1), DatePrecision.MONTH) == dt.date(2016, 2, 29)
    assert last_day(dt.date(2016, 12, 1), DatePrecision.MONTH) == dt.date(2016, 12, 31)
    assert last_day(dt.date(2016, 3, 4), DatePrecision.DAY) == dt.date(2016, 3, 4)


def test_durations_without_reference_keep_only_lengths() -> None:
    (duration,) = find_durations("for 6 weeks")
    assert (duration.since, duration.days) == (None, 42)


def test_date_before_finds_the_nearest_preceding_full_date() -> None:
    text = "Seen 1/4/2016 for pain. On 3/2/2016, exam showed spasm since 2015. Next visit 4/1/2016."
    position = text.index("spasm")
    found = date_before(text, position)
    assert found is not None
    assert found.date == dt.date(2016, 3, 2)
    assert text[found.start : found.end] == "3/2/2016"
    assert date_before(text, position, window=10) is None
    year = date_before(text, text.index("Next"), min_precision=DatePrecision.YEAR)
    assert year is not None
    assert year.date == dt.date(2015, 1, 1)


@pytest.mark.parametrize(
    ("sentence", "dates"),
    [
        ("Per the progress report dated 10/12/2016, the last drug screen on 6/1/2015 was consistent.", ["2015-06-01"]),
        ("On 10/12/2016, the treating physician noted that the injections on 6/1/2016 helped.", ["2016-06-01"]),
        ("In a note dated March 3, 2016, Dr. Lee wrote that an MRI was done in 2015.", ["2015-01-01"]),
        ("Per the PR-2 of 10/12/2016, he takes a muscle relaxant.", []),
        ("On 10/12/2016 the patient reported relief.", []),
        ("On 6/1/2016, she underwent an injection.", ["2016-06-01"]),
        ("He had an MRI on 10/12/2016 per the report.", ["2016-10-12"]),
        ("Orthopedic progress note 10/12/2016\nHe fell from a ladder on 2/3/2014 and had an ankle ORIF.", ["2014-02-03"]),
        ("Follow-up visit: 10/12/2016 s/p ankle ORIF, healed incision.", []),
        ("MRI lumbar spine 10/12/2016\nImpression: disc protrusion at L4-5.", ["2016-10-12"]),
    ],
)
def test_event_dates_leave_out_the_date_of_the_report_that_tells_them(sentence: str, dates: list[str]) -> None:
    assert [str(d.date) for d in find_event_dates(sentence)] == dates


def test_the_report_date_stands_in_when_asked_and_alone() -> None:
    alone = "Per the PR-2 of 10/12/2016, a drug screen was consistent."
    assert [str(d.date) for d in find_event_dates(alone, report_if_alone=True)] == ["2016-10-12"]
    other = "Per the PR-2 of 10/12/2016, a drug screen on 6/1/2016 was consistent."
    assert [str(d.date) for d in find_event_dates(other, report_if_alone=True)] == ["2016-06-01"]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        # the ways a record states the date of injury
        ("She sustained an industrial injury on 5/2/2014 while lifting.", dt.date(2014, 5, 2)),
        ("DOI 05/02/14. Low back pain.", dt.date(2014, 5, 2)),
        ("Date of injury: 05/02/2014", dt.date(2014, 5, 2)),
        ("He was injured at work in May 2014 when he fell.", dt.date(2014, 5, 1)),
        ("A 45-year-old who injured her back at work on 3/3/2015.", dt.date(2015, 3, 3)),
    ],
)
def test_the_injury_date_a_record_states(text: str, date: dt.date) -> None:
    found = injury_date_in(text)
    assert found is not None and found.date == date


def test_no_injury_date_without_words_naming_the_injury() -> None:
    assert injury_date_in("Seen on 4/4/2016. No new injury since the last visit.") is None


def test_the_record_dates_the_injury_only_when_the_header_does_not() -> None:
    def case(injury: dt.date | None) -> Case:
        text = "She sustained an industrial injury on 5/2/2014."
        return Case(
            dates=CaseDates(injury=injury, ur_decision=dt.date(2016, 11, 1)),
            documents=[Document(id="note", text=text)],
            disputed_items=[DisputedItem(request="anything")],
        )

    assert as_read(case(None)).dates.injury == dt.date(2014, 5, 2)
    assert as_read(case(dt.date(2014, 6, 1))).dates.injury == dt.date(2014, 6, 1)


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("Seen on 4/4/2016. She sustained an industrial injury on 5/2/2014 while lifting boxes.", "5/2/2014"),
        ("Progress note 4/4/2016.\nDOI: 05/02/14\nLow back pain.", "05/02/14"),
        ("Progress note. Date of injury: May 2, 2014. Low back pain.", "May 2, 2014"),
    ],
)
def test_an_injury_date_read_from_the_record_keeps_where_it_was_read(text: str, stated: str) -> None:
    case = Case(
        dates=CaseDates(ur_decision=dt.date(2016, 6, 1)),
        documents=[Document(id="note", text=text)],
        disputed_items=[DisputedItem(request="Physical therapy 6 visits for the lumbar spine")],
    )
    evidence = gather_evidence(case)
    assert evidence.case.dates.injury == dt.date(2014, 5, 2)
    assert evidence.injury_span is not None
    assert (evidence.injury_span.document_id, evidence.injury_span.text) == ("note", stated)
    phase = phase_of(evidence.case, parse_request("Physical therapy 6 visits for the lumbar spine"), evidence)
    assert (phase.name, [span.text for span in phase.spans]) == ("chronic", [stated])
    # a date the case file's header gives is not read from the record
    header = case.model_copy(update={"dates": CaseDates(injury=dt.date(2014, 5, 2), ur_decision=dt.date(2016, 6, 1))})
    assert gather_evidence(header).injury_span is None
