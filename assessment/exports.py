"""CSV and Excel (openpyxl) export of the board tables; the same rows the pages show."""

import csv
import datetime as dt
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.models import Unit


def score_columns(show_whistles: bool = False) -> list[tuple[str, str]]:
    cols = [
        ("unit", _("Unit")),
        ("peer_group", _("Peer group")),
        ("rank", _("Rank")),
        ("board", _("Board")),
        ("score", _("Score")),
        ("cases", _("Cases")),
        ("responded", _("Contacted in time")),
        ("response_rate", _("Response rate")),
        ("revisited", _("Revisited")),
        ("resolved", _("Resolved")),
        ("resolution_rate", _("Resolution rate")),
        ("satisfied", _("Satisfied")),
        ("basically", _("Basically satisfied")),
        ("dissatisfied", _("Dissatisfied")),
        ("satisfaction_rate", _("Satisfaction rate")),
        ("exempt", _("Exempt")),
        ("returned", _("Returned")),
    ]
    if show_whistles:
        cols += [
            ("whistle_on_time", _("Whistles reported on time")),
            ("whistle_total", _("Whistles")),
        ]
    return cols


def score_rows(scores, columns) -> list[list]:
    rows = []
    for s in scores:
        row = []
        for key, _label in columns:
            if key == "unit":
                row.append(s.unit.name)
            elif key == "peer_group":
                row.append(peer_group_label(s.peer_group))
            elif key == "board":
                row.append(s.get_board_display() if s.board else "")
            else:
                value = getattr(s, key)
                row.append("" if value is None else value)
        rows.append(row)
    return rows


def peer_group_label(code: str) -> str:
    """The peer group's name as the pages show it (委办局, 街道和乡镇 …), never its code."""
    labels = dict(Unit.PeerGroup.choices)
    return str(labels[code]) if code in labels else code


def display(value):
    """A cell as a reader sees it: yes/no in words rather than True/False."""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return value


def _cell(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _text(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value


def respond(filename: str, header: list[str], rows: list[list], fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.append(header)
        for row in rows:
            ws.append([_cell(v) for v in row])
        buf = io.BytesIO()
        wb.save(buf)
        response = HttpResponse(
            buf.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows([[_text(v) for v in row] for row in rows])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
