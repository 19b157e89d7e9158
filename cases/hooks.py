"""Hooks through which apps built on cases add to its pages without cases importing them
(STYLE: dependencies point one way).

`register_text_suggester(fn)`: `fn(case)` returns a proposal for the dispatcher from the case's
text (an object the centre's case page renders: category path, confidence, unit and the rule
that picked it) or None. The
dispatch router registers one in its AppConfig.ready(); with none registered, or when a
suggester fails, the dispatcher decides alone — a page never fails for want of a suggestion.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

TextSuggester = Callable[[Any], Any]
_text_suggesters: list[TextSuggester] = []


def register_text_suggester(fn: TextSuggester) -> None:
    if fn not in _text_suggesters:
        _text_suggesters.append(fn)


def text_suggestion(case) -> Any:
    """The first registered suggester's proposal for `case`, or None."""
    for fn in _text_suggesters:
        try:
            proposal = fn(case)
        except Exception:  # a broken model must not break the dispatch page
            logger.exception("text suggester %r failed", fn)
            continue
        if proposal is not None:
            return proposal
    return None
