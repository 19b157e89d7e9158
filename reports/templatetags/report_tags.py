"""Labels for the codes a report's stored figures carry, in the reader's language."""

from django import template
from django.utils.translation import gettext_lazy as _

from assessment.models import UnitScore
from cases.models import Channel
from civic.models import Region, Unit
from themes.models import Theme
from whistles.models import WhistleSummons

register = template.Library()

RATE_LABELS = {
    "response_rate": _("Response rate"),
    "resolution_rate": _("Resolution rate"),
    "satisfaction_rate": _("Satisfaction rate"),
}


def _label(choices, code) -> str:
    return str(dict(choices).get(code, code))


@register.filter
def channel_label(code) -> str:
    return _label(Channel.choices, code)


@register.filter
def peer_group_label(code) -> str:
    return _label(Unit.PeerGroup.choices, code)


@register.filter
def board_label(code) -> str:
    return _label(UnitScore.Board.choices, code) if code else "—"


@register.filter
def theme_status_label(code) -> str:
    return _label(Theme.Status.choices, code)


@register.filter
def level_label(code) -> str:
    return _label(Region.Level.choices, code)


@register.filter
def rate_label(code) -> str:
    return str(RATE_LABELS.get(code, code))


@register.filter
def summons_label(code) -> str:
    return _label(WhistleSummons.State.choices, code)


@register.filter
def growth(value) -> str:
    """+12.5 % / −3.0 % / — (nothing to compare with)."""
    if value is None:
        return "—"
    pct = round(float(value) * 100, 1)
    return f"+{pct} %" if pct > 0 else f"{pct} %".replace("-", "−")
