"""Checks on the response to a drug already taken: the pain relief it gives.

The guidelines ask, before a drug is continued, for documented pain relief from it, and some set a threshold for a
response that counts (anti-epilepsy drugs: a 30% reduction is a moderate response, below it the drug is switched).
"""

from __future__ import annotations

from openimr.review.checks.base import INSUFFICIENT, MET, CheckContext, Outcome, check
from openimr.review.checks.record import ReliefParams, relief_at_least


@check("relief_documented", ReliefParams)
def relief_documented(ctx: CheckContext, params: ReliefParams) -> Outcome:
    """Pain relief from the treatment (`family`) is documented: met when the record states relief from it, quantified
    at `percent` or more or not quantified at all; not met when the relief it states is below `percent`; silent when
    the record states no relief from it. (`relief_at_least` instead needs the relief quantified.)"""
    outcome = relief_at_least(ctx, params)
    if outcome.status == INSUFFICIENT and not outcome.silent:
        return Outcome(MET, outcome.facts, "the record documents pain relief with it (not quantified)")
    return outcome
