"""Panels through which apps built on others add a section to their pages without being
imported by them (STYLE: dependencies point one way).

A page names a place (`{% panels "console" form=form %}`); an app registers, in its
AppConfig.ready(), a template and a function that builds the panel's context for that place
from the request and the page's arguments, or returns None when the panel has nothing to show
(or the viewer may not see it). Panels render in registration order. A failing panel is logged
and left out: a page never fails for want of a side panel.

Places in use: "console" (the operator console; form), "centre_case" (the centre's case page;
case), "unit_reply" (a unit's case page, beside the reply form; case), "file" (the resident's
filing page; form), "unit_board" (a unit's page on the boards; unit, month).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

PanelContext = Callable[..., dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    place: str
    template: str
    context: PanelContext


_panels: list[Panel] = []


def register_panel(place: str, template: str, context: PanelContext) -> None:
    panel = Panel(place, template, context)
    if panel not in _panels:
        _panels.append(panel)


def render_panels(place: str, request: HttpRequest, **kwargs) -> str:
    """The HTML of every panel registered for `place` that has something to show."""
    parts = []
    for panel in _panels:
        if panel.place != place:
            continue
        try:
            context = panel.context(request, **kwargs)
            if context is None:
                continue
            parts.append(render_to_string(panel.template, context, request=request))
        except Exception:  # a side panel must not break the page it sits on
            logger.exception("panel %s for %s failed", panel.template, place)
    return "".join(parts)
