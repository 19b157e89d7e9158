"""Case intake over HTTP (REST API under gunicorn) against a minimal Django view doing one INSERT.

    python -m bench.intake_bench --cases 20000 [--clients 8] [--workers 4] [--seconds 240]
                                 [--rounds 5]

One gunicorn (sync workers, `--preload` as deployed, civic's settings plus the floor view:
bench/server/) on loopback; `--clients` threads, each with its own HTTP session, POST the same
JSON case bodies to `/bench/floor/` (parse JSON, one INSERT, answer 201) and to `/api/v1/cases/` (civic's public
intake: validation, category and region checks, number from the daily sequence, access code,
the audit event, theme matching, notices), in alternating rounds so that both see the same
spells of this shared machine; each round starts once autovacuum is idle. Each path is bounded
by count and by time. Figures: requests/s, p50/p99 latency, server CPU per request; ratio =
civic ÷ floor (target ≥ 0.5). The server is always stopped (process group), whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from bench.common import ROOT, print_row, record, settle, setup_django, summary_ms


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bodies(category: int, region: int) -> list[bytes]:
    from bench.generate import _data_file

    with _data_file("complaints_train.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        json.dumps(
            {
                "kind": "complaint",
                "category": category,
                "region": region,
                "title": r["留言主题"][:200],
                "description": r["留言详情"][:5000],
                "reporter_name": "张三",
                "reporter_phone": "13812345678",
            },
            ensure_ascii=False,
        ).encode()
        for r in rows
    ]


def _poster(url: str, bodies: list[bytes]):
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def post(session, i):
        return session.post(url, data=bodies[i % len(bodies)], headers=headers).status_code

    return post


def _load(url: str, bodies: list[bytes], total: int, clients: int, seconds: float) -> dict:
    return load(_poster(url, bodies), total, clients, seconds)


def _busy_cpu_seconds() -> float:
    """CPU time the whole machine spent busy so far (all cores, from /proc/stat)."""
    with open("/proc/stat") as fh:
        fields = fh.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def load(post, total: int, clients: int, seconds: float, prepare=None) -> dict:
    """`clients` threads, each with its own session (`prepare(session)` once, not timed), call
    `post(session, i)` until `total` requests are made or `seconds` have passed.

    Besides requests/s: the server's CPU per request (web workers + PostgreSQL + anything else
    running), i.e. the machine's busy CPU minus this client process's own. The clients share
    the server's cores, so requests/s understates the gap between two servers; CPU per request
    does not."""
    return interleave({"only": (post, prepare)}, total, clients, seconds, rounds=1)["only"]


def interleave(paths: dict, total: int, clients: int, seconds: float, rounds: int) -> dict:
    """`load` for several paths (name → (post, prepare)) in alternating rounds of
    `total / rounds` requests each, so that a slow spell of this shared machine falls on all of
    them alike instead of on whichever ran then. Each path stops at `total` requests or after
    `seconds` of its own time. Returns name → figures, as `load`."""
    per_round = -(-total // rounds)
    tally = {name: _Tally() for name in paths}
    for _ in range(rounds):
        for name, (post, prepare) in paths.items():
            done = tally[name]
            budget = min(per_round, total - done.requests)
            remaining = seconds - done.elapsed
            if budget <= 0 or remaining <= 0:
                continue
            settle()
            done.add(_round(post, done.requests, budget, clients, remaining, prepare))
    return {name: done.figures() for name, done in tally.items()}


class _Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.elapsed = 0.0
        self.server_cpu = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def add(self, result: tuple) -> None:
        latencies, statuses, elapsed, server_cpu = result
        self.latencies += latencies
        for code, n in statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + n
        self.elapsed += elapsed
        self.server_cpu += server_cpu

    def figures(self) -> dict:
        ok = self.statuses.get(201, 0) + self.statuses.get(302, 0)  # 302: a form's redirect
        return {
            "requests": self.requests,
            "created": ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "seconds": round(self.elapsed, 2),
            "req_per_s": round(ok / self.elapsed, 1) if self.elapsed else 0.0,
            "server_cpu_ms_per_req": round(1000 * self.server_cpu / ok, 2) if ok else None,
            **summary_ms(self.latencies),
        }


def _round(post, first: int, count: int, clients: int, seconds: float, prepare=None) -> tuple:
    """One timed burst: requests `first` … `first + count - 1`, bounded by `seconds`."""
    import requests

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(first, first + count))
    deadline = time.monotonic() + seconds

    def client() -> None:
        session = requests.Session()
        if prepare is not None:
            prepare(session)
        mine, codes = [], {}
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            start = time.perf_counter()
            try:
                code = post(session, i)
            except requests.RequestException:
                code = -1
            mine.append(time.perf_counter() - start)
            codes[code] = codes.get(code, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=client) for _ in range(clients)]
    busy_before, own_before = _busy_cpu_seconds(), time.process_time()
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    server_cpu = (_busy_cpu_seconds() - busy_before) - (time.process_time() - own_before)
    return latencies, statuses, elapsed, server_cpu


@contextlib.contextmanager
def gunicorn(app: str, *, cwd, env: dict, python: str = sys.executable, workers: int):
    """A gunicorn on a free loopback port; yields its base URL; always stopped."""
    port = _free_port()
    command = [python, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}"]
    # --preload, as docs/operations.md deploys civic: the workers share the start-up's memory.
    command += ["--workers", str(workers), "--preload", "--log-level", "warning", "--timeout", "60"]
    server = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def civic_env() -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.server.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The bench is one client address: the per-IP abuse limits would measure the limiter.
        "THROTTLE_INTAKE": "100000000/min",
        "THROTTLE_ANON": "100000000/min",
    }


def civic_bodies() -> list[bytes]:
    from civic.models import Category, Region

    category = Category.objects.filter(level=3, active=True).values_list("id", flat=True).first()
    region = Region.objects.filter(level="community").values_list("id", flat=True).first()
    return _bodies(category, region)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--seconds", type=float, default=240.0, help="limit per phase")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per phase")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    from bench.generate import build_structure
    from civic.models import Category, Region

    build_structure()
    category = Category.objects.filter(level=3, active=True).values_list("id", flat=True).first()
    region = Region.objects.filter(level="community").values_list("id", flat=True).first()
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_intake_floor")
        cur.execute(
            "CREATE TABLE bench_intake_floor (id bigserial PRIMARY KEY, title text, "
            "description text, created timestamptz NOT NULL DEFAULT now())"
        )
    bodies = _bodies(category, region)
    try:
        with gunicorn(
            "bench.server.wsgi:application", cwd=ROOT, env=civic_env(), workers=args.workers
        ) as base:
            _load(f"{base}/bench/floor/", bodies, 200, args.clients, 30)  # warm-up
            _load(f"{base}/api/v1/cases/", bodies, 200, args.clients, 30)
            measured = interleave(
                {
                    "floor": (_poster(f"{base}/bench/floor/", bodies), None),
                    "civic": (_poster(f"{base}/api/v1/cases/", bodies), None),
                },
                args.cases,
                args.clients,
                args.seconds,
                rounds=args.rounds,
            )
            floor, civic = measured["floor"], measured["civic"]
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_intake_floor")
    ratio = civic["req_per_s"] / floor["req_per_s"] if floor["req_per_s"] else float("nan")
    data = {
        "cases": args.cases,
        "clients": args.clients,
        "gunicorn_workers": args.workers,
        "floor": floor,
        "civic": civic,
        "ratio": round(ratio, 3),
        "rounds": args.rounds,
    }
    record("intake", data)
    print_row(
        f"HTTP intake ({civic['created']:,} cases, {args.clients} clients)",
        f"{civic['req_per_s']:.0f} req/s, p99 {civic['p99_ms']:.0f} ms",
        f"floor {floor['req_per_s']:.0f} req/s, p99 {floor['p99_ms']:.0f} ms",
        f"{ratio:.2f}",
        ">= 0.5",
    )
    civic_cpu, floor_cpu = civic["server_cpu_ms_per_req"], floor["server_cpu_ms_per_req"]
    if civic_cpu and floor_cpu:
        print_row(
            "  server CPU per request",
            f"civic {civic_cpu:.1f} ms",
            f"floor {floor_cpu:.1f} ms",
            f"{floor_cpu / civic_cpu:.2f}",
            "(clients excluded)",
        )


if __name__ == "__main__":
    main()
