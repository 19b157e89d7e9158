"""bench/scale.md from the per-size results `make bench-scale` keeps (bench/scale-<size>.json):
each figure at every size and its ratio to the smallest (issue 32's targets: p95 < 50 ms at
10M and within 1.5x of 1M; sweep <= 1.5x its SQL; assessment <= 1.3x; import >= 0.7x COPY).

    python -m bench.scale_report 1000000 3000000 10000000
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent

# The pages and APIs the issue names, by their surfaces-bench route (role) where they have one.
NAMED_SURFACES = (
    ("cases:unit_case", "handler", "case page (unit)"),
    ("cases:centre_case", "dispatcher", "case page (centre)"),
    ("callers:history_json", "operator", "caller history"),
    ("knowledge:console_search", "operator", "knowledge search"),
)


def _figures(results: dict) -> dict[str, tuple[float | None, str]]:
    """figure name → (value, target) for one size."""
    w = results.get("workloads", {})
    out: dict[str, tuple[float | None, str]] = {}
    size = w.get("db_size", {})
    if size:
        out["database, GiB"] = (round(size["bytes"] / 2**30, 2), "")
        out["database per million cases, GiB"] = (
            round(size["bytes_per_million_cases"] / 2**30, 2),
            "",
        )
    if "generate" in w:
        out["history generated, s"] = (w["generate"].get("seconds"), "")
    for name in ("inbox page", "API case list"):
        if name in w.get("latency", {}):
            out[f"{name} p95, ms"] = (w["latency"][name]["p95_ms"], "< 50, ≤ 1.5× 1M")
    for name, r in w.get("public", {}).items():
        if isinstance(r, dict) and "p95_ms" in r:
            out[f"{name} p95, ms"] = (r["p95_ms"], "< 50, ≤ 1.5× 1M")
    rows = w.get("surfaces", {}).get("rows", [])
    for route, role, label in NAMED_SURFACES:
        row = next((r for r in rows if r.get("route") == route and r.get("role") == role), None)
        if row and row.get("p95_ms") is not None:
            out[f"{label} p95, ms"] = (row["p95_ms"], "< 50, ≤ 1.5× 1M")
    measured = [r for r in rows if r.get("met") in ("yes", "NO")]
    if measured:
        met = sum(r["met"] == "yes" for r in measured)
        out["surfaces under their target"] = (met, f"of {len(measured)}")
    if "callers" in w:
        out["caller history lookup p95, ms"] = (w["callers"]["lookups"]["p95_ms"], "< 50")
    if "sweep" in w:
        out["sweep / its SQL"] = (w["sweep"]["ratio"], "≤ 1.5")
    if "assessment" in w:
        out["assessment / its SQL"] = (w["assessment"]["ratio"], "≤ 1.3")
    if "import" in w:
        out["import / COPY"] = (w["import"]["ratio"], "≥ 0.7")
    return out


def main(sizes: list[int]) -> int:
    found = {}
    for size in sizes:
        path = BENCH / f"scale-{size}.json"
        if path.exists():
            found[size] = _figures(json.loads(path.read_text()))
    if not found:
        print("no bench/scale-<size>.json: run `make bench-scale` first")
        return 1
    sizes = sorted(found)
    names = list(dict.fromkeys(n for figures in found.values() for n in figures))
    head = ["figure", *(f"{s:,}" for s in sizes), f"{sizes[-1]:,} / {sizes[0]:,}", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        values = [found[s].get(name, (None, ""))[0] for s in sizes]
        target = next((found[s][name][1] for s in sizes if name in found[s]), "")
        first, last = values[0], values[-1]
        ratio = f"{last / first:.2f}×" if first and last is not None else ""
        cells = ["" if v is None else f"{v:g}" for v in values]
        lines.append("| " + " | ".join([name, *cells, ratio, target]) + " |")
    text = "# civic at scale (`make bench-scale`)\n\n" + "\n".join(lines) + "\n"
    (BENCH / "scale.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main([int(a) for a in sys.argv[1:]] or [1_000_000, 3_000_000, 10_000_000]))
