"""Requests: a disputed item's text parsed into a `Treatment` (what, how much, how often, where, and for a modified
request the original, authorized and disputed parts)."""

from openimr.requests.dosing import MMEEstimate, morphine_equivalent
from openimr.requests.parser import parse_disputed_item, parse_request

__all__ = ["MMEEstimate", "morphine_equivalent", "parse_disputed_item", "parse_request"]
