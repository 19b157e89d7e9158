"""civic's case intake against a peer: django-helpdesk's public ticket form, same server setup.

    bash bench/peer/setup.sh   # once: django-helpdesk in its own virtualenv (bench/.peer-venv)
    python -m bench.peer_bench --cases 5000

Both run under gunicorn (`--preload`) with the same worker count on loopback, against the same PostgreSQL
server (the peer in its own database, civic_peer), with the same client harness: `--clients`
threads, each with its own session. civic: JSON to `POST /api/v1/cases/` (validation, number,
access code, deadlines policy, audit event, theme matching, notices). django-helpdesk: its public
path, the "submit a ticket" form (`POST /tickets/submit/`, form-encoded with the session's CSRF
token; answered with a redirect to the new ticket). Ratio = civic ÷ helpdesk tickets/s (target
≥ 2). Texts are the same real messages for both.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess

from bench.common import ROOT, print_row, record, setup_django
from bench.intake_bench import _load, civic_bodies, civic_env, gunicorn, load

PEER_DIR = ROOT / "bench" / "peer"
PEER_PYTHON = ROOT / "bench" / ".peer-venv" / "bin" / "python"
PEER_DB = "civic_peer"


def _peer_db_url() -> str:
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/civic_bench")
    return base.rsplit("/", 1)[0] + f"/{PEER_DB}"


def _prepare_peer(env: dict) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PEER_DB}"],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {PEER_DB}"],
        check=True,
    )
    manage = [str(PEER_PYTHON), "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PEER_DIR, env=env, check=True)
    subprocess.run(
        [*manage, "shell", "-c", "from helpdesk.models import Queue; Queue.objects.get_or_create("
         "slug='complaints', defaults={'title': 'Complaints', 'allow_public_submission': True})"],
        cwd=PEER_DIR, env=env, check=True, capture_output=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--seconds", type=float, default=180.0, help="limit per phase")
    args = parser.parse_args()
    if not PEER_PYTHON.exists():
        print_row("peer: django-helpdesk", "not installed", "run bench/peer/setup.sh", "—", "—")
        return
    setup_django()
    from bench.generate import build_structure

    build_structure()
    bodies = civic_bodies()
    import json

    texts = [json.loads(b) for b in bodies]
    peer_env = {
        **os.environ,
        "PEER_DATABASE_URL": _peer_db_url(),
        "DJANGO_SETTINGS_MODULE": "peerproj.settings",
    }
    peer_env.pop("DATABASE_URL", None)
    _prepare_peer(peer_env)

    with gunicorn(
        "bench.server.wsgi:application", cwd=ROOT, env=civic_env(), workers=args.workers
    ) as base:
        _load(f"{base}/api/v1/cases/", bodies, 200, args.clients, 30)  # warm-up
        civic = _load(f"{base}/api/v1/cases/", bodies, args.cases, args.clients, args.seconds)

    with gunicorn(
        "peerproj.wsgi:application",
        cwd=PEER_DIR,
        env=peer_env,
        python=str(PEER_PYTHON),
        workers=args.workers,
    ) as base:
        form_url = f"{base}/tickets/submit/"
        tokens: dict[int, str] = {}

        def prepare(session) -> None:
            html = session.get(form_url).text
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            tokens[id(session)] = token

        def post(session, i):
            text = texts[i % len(texts)]
            return session.post(
                form_url,
                data={
                    "csrfmiddlewaretoken": tokens[id(session)],
                    "title": text["title"][:100],
                    "body": text["description"],
                    "submitter_email": f"resident{i}@example.org",
                },
                headers={"Referer": form_url},
                allow_redirects=False,
            ).status_code

        load(post, 200, args.clients, 30, prepare=prepare)  # warm-up
        peer = load(post, args.cases, args.clients, args.seconds, prepare=prepare)

    ratio = civic["req_per_s"] / peer["req_per_s"] if peer["req_per_s"] else float("nan")
    data = {"cases": args.cases, "clients": args.clients, "civic": civic, "helpdesk": peer}
    data["ratio"] = round(ratio, 2)
    civic_cpu, peer_cpu = civic["server_cpu_ms_per_req"], peer["server_cpu_ms_per_req"]
    if civic_cpu and peer_cpu:
        data["cpu_ratio"] = round(peer_cpu / civic_cpu, 2)
    record("peer", data)
    print_row(
        f"peer: django-helpdesk ({args.cases:,} each)",
        f"civic {civic['req_per_s']:.0f} cases/s",
        f"helpdesk {peer['req_per_s']:.0f} tickets/s",
        f"{ratio:.2f}",
        ">= 2",
    )
    if "cpu_ratio" in data:
        print_row(
            "  server CPU per case / ticket",
            f"civic {civic_cpu:.1f} ms",
            f"helpdesk {peer_cpu:.1f} ms",
            f"{data['cpu_ratio']:.2f}",
            "(clients excluded)",
        )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {PEER_DB}"],
        check=False,
    )


if __name__ == "__main__":
    main()
