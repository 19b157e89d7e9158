"""The four checks measured on a file of real complaints and their replies (the public message
board's 2,794 replies): distributions, the share each check flags, and the best and worst
replies. Used by `manage.py reply_quality_measure`; nothing here writes to the database.

There is no answer key: the figures describe real practice so thresholds can be chosen from it.
Two differences from checking a unit's reply, stated in the report:
- the file names no unit, so boilerplate is measured against every other reply in the file (to a
  different complaint), with one TF-IDF fitted on all replies;
- the file has no result field, so the explanation check is reported for all replies and for the
  replies that say the matter cannot be resolved now (a wording proxy, `CANNOT_RESOLVE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from civic import text as civic_text

from . import scoring

TITLE_COLUMNS = ("留言主题", "title")
BODY_COLUMNS = ("留言详情", "description")
REPLY_COLUMNS = ("答复意见", "reply")
TIME_COLUMNS = ("答复时间", "replied_at")

# Wording of a reply that explains why the matter cannot be resolved (now): the kind of reply
# the explanation check is for.
CANNOT_RESOLVE = re.compile(r"无法|不能|不予|不符合|暂不|暂无|不具备|不属于|不在.{0,6}范围|难以")


@dataclass
class Row:
    index: int
    title: str
    description: str
    reply: str
    replied_at: str
    cannot_resolve: bool
    relevance: float = 0.0
    completeness: float = 0.0
    explanation: float = 0.0
    originality: float = 1.0
    nearest: int | None = None

    @property
    def combined(self) -> float:
        values = [self.relevance, self.completeness, self.originality]
        if self.cannot_resolve:
            values.append(self.explanation)
        return sum(values) / len(values)


def load_rows(path: str) -> list[Row]:
    """Rows with a non-empty reply. Raises ValueError when the file or its columns are wrong."""
    table = civic_text.read_table(path)
    if not table:
        raise ValueError(f"{path} has no rows")
    names = list(table[0].keys())
    columns = {}
    for key, candidates in (
        ("title", TITLE_COLUMNS),
        ("description", BODY_COLUMNS),
        ("reply", REPLY_COLUMNS),
    ):
        found = civic_text.pick_column(names, candidates)
        if found is None:
            raise ValueError(f"{path}: no column {' / '.join(candidates)}")
        columns[key] = found
    time_column = civic_text.pick_column(names, TIME_COLUMNS)
    rows = []
    for i, r in enumerate(table, start=1):
        reply = " ".join((r.get(columns["reply"]) or "").split())
        if not reply:
            continue
        rows.append(
            Row(
                index=i,
                title=" ".join((r.get(columns["title"]) or "").split()),
                description=" ".join((r.get(columns["description"]) or "").split()),
                reply=reply,
                replied_at=(r.get(time_column) or "").strip() if time_column else "",
                cannot_resolve=bool(CANNOT_RESOLVE.search(reply)),
            )
        )
    return rows


def measure(rows: list[Row]) -> list[Row]:
    """Fill in every row's scores (in place) and return the rows."""
    import numpy as np

    for row in rows:
        row.relevance = scoring.relevance(row.title, row.description, row.reply)
        row.completeness = scoring.completeness(row.reply)
        row.explanation = scoring.explanation(row.reply)
    if len(rows) < 2:
        return rows
    matrix = (
        civic_text.tfidf_vectorizer()
        .fit_transform([scoring._bag(r.reply) for r in rows])
        .astype(np.float32)
    )
    complaints = [scoring.complaint_tokens(r.title, r.description) for r in rows]
    chunk = 400
    for start in range(0, len(rows), chunk):
        block = (matrix[start : start + chunk] @ matrix.T).toarray()
        for offset, sims in enumerate(block):
            i = start + offset
            sims[i] = -1.0
            # Walk the nearest replies until one answers a different complaint.
            for j in np.argsort(-sims)[:50]:
                if not scoring.same_complaint(complaints[i], complaints[j]):
                    rows[i].originality = round(1 - min(1.0, max(0.0, float(sims[j]))), 4)
                    rows[i].nearest = rows[j].index
                    break
    return rows


QUANTILES = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)
BINS = [i / 10 for i in range(11)]


def _quantiles(values: list[float]) -> list[float]:
    import numpy as np

    return [round(float(q), 3) for q in np.quantile(values, QUANTILES)] if values else []


def _histogram(values: list[float]) -> list[int]:
    import numpy as np

    counts, _edges = np.histogram(values, bins=BINS)
    return [int(c) for c in counts]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split()).replace("|", "｜")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def report(rows: list[Row], *, source: str) -> str:
    """The figures as Markdown."""
    n = len(rows)
    explained = [r for r in rows if r.cannot_resolve]
    series = {
        "relevance": [r.relevance for r in rows],
        "completeness": [r.completeness for r in rows],
        "explanation (all replies)": [r.explanation for r in rows],
        "explanation (cannot-resolve replies)": [r.explanation for r in explained],
        "originality (1 − boilerplate similarity)": [r.originality for r in rows],
        "combined": [r.combined for r in rows],
    }
    lines = [
        "# Reply checks measured on real replies",
        "",
        f"Source: `{source}` — {n} replies. Produced by `manage.py reply_quality_measure`; "
        "no answer key, the figures describe the replies as they are.",
        f"Replies worded as cannot-resolve (explanation check applies): {len(explained)} "
        f"({_pct(len(explained), n)}).",
        "",
        "## Quantiles",
        "",
        "| score | n | " + " | ".join(f"q{int(q * 100)}" for q in QUANTILES) + " | mean |",
        "| --- | --- | " + " | ".join("---" for _ in QUANTILES) + " | --- |",
    ]
    for name, values in series.items():
        mean = round(sum(values) / len(values), 3) if values else "–"
        qs = _quantiles(values)
        lines.append(f"| {name} | {len(values)} | " + " | ".join(map(str, qs)) + f" | {mean} |")
    lines += [
        "",
        "## Histograms (bins of 0.1; the last bin includes 1.0)",
        "",
        "| score | " + " | ".join(f"{b:.1f}–" for b in BINS[:-1]) + " |",
        "| --- | " + " | ".join("---" for _ in BINS[:-1]) + " |",
    ]
    for name, values in series.items():
        lines.append(f"| {name} | " + " | ".join(map(str, _histogram(values))) + " |")
    flagged = {
        "relevance": sum(r.relevance < scoring.RELEVANCE_MIN for r in rows),
        "completeness": sum(r.completeness < scoring.COMPLETENESS_MIN for r in rows),
        "explanation": sum(r.explanation < scoring.EXPLANATION_MIN for r in explained),
        "boilerplate": sum(r.originality <= scoring.ORIGINALITY_MIN for r in rows),
    }
    any_flag = sum(
        r.relevance < scoring.RELEVANCE_MIN
        or r.completeness < scoring.COMPLETENESS_MIN
        or (r.cannot_resolve and r.explanation < scoring.EXPLANATION_MIN)
        or r.originality <= scoring.ORIGINALITY_MIN
        for r in rows
    )
    elements = {name: 0 for name, _p in scoring.COMPLETENESS_ELEMENTS}
    for r in rows:
        for name, present in scoring.completeness_elements(r.reply).items():
            elements[name] += present
    lines += [
        "",
        "## Share flagged at the current thresholds",
        "",
        "| check | threshold | flagged | share |",
        "| --- | --- | --- | --- |",
        f"| relevance | < {scoring.RELEVANCE_MIN} | {flagged['relevance']} | "
        f"{_pct(flagged['relevance'], n)} |",
        f"| completeness | < {scoring.COMPLETENESS_MIN} | {flagged['completeness']} | "
        f"{_pct(flagged['completeness'], n)} |",
        f"| explanation (cannot-resolve replies only) | < {scoring.EXPLANATION_MIN} | "
        f"{flagged['explanation']} | {_pct(flagged['explanation'], len(explained))} |",
        f"| boilerplate | similarity ≥ {scoring.BOILERPLATE_SIMILARITY} | "
        f"{flagged['boilerplate']} | {_pct(flagged['boilerplate'], n)} |",
        f"| any | | {any_flag} | {_pct(any_flag, n)} |",
        "",
        "Completeness elements present: "
        + ", ".join(f"{k} {_pct(v, n)}" for k, v in elements.items())
        + ".",
    ]
    ranked = sorted(rows, key=lambda r: (r.combined, r.index))
    for heading, chosen in (
        ("Ten best replies (highest combined score)", list(reversed(ranked[-10:]))),
        ("Ten worst replies (lowest combined score)", ranked[:10]),
    ):
        lines += [
            "",
            f"## {heading}",
            "",
            "| row | complaint | reply | rel. | compl. | expl. | orig. | combined |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for r in chosen:
            expl = f"{r.explanation:.2f}" if r.cannot_resolve else f"({r.explanation:.2f})"
            lines.append(
                f"| {r.index} | {_short(r.title, 40)} | {_short(r.reply)} | {r.relevance:.2f} | "
                f"{r.completeness:.2f} | {expl} | {r.originality:.2f} | {r.combined:.3f} |"
            )
    lines += [
        "",
        "Explanation in brackets: not counted in the combined score (the reply is not worded "
        "as cannot-resolve).",
        "",
    ]
    return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


FIGURES_START = "<!-- reply-quality-figures:start -->"
FIGURES_END = "<!-- reply-quality-figures:end -->"


def place_figures(path, figures: str) -> str:
    """The new text of `path`: between the figure markers when it has them (a doc with prose
    around the figures), else the figures alone."""
    from pathlib import Path

    path = Path(path)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if FIGURES_START in old and FIGURES_END in old:
        head, rest = old.split(FIGURES_START, 1)
        _old, tail = rest.split(FIGURES_END, 1)
        body = figures.replace("# Reply checks measured on real replies\n", "", 1).strip()
        body = body.replace("\n## ", "\n### ")  # under the doc's own "Figures" heading
        return f"{head}{FIGURES_START}\n{body}\n{FIGURES_END}{tail}"
    return figures
