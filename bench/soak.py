"""A soak under faults: the whole portal for SOAK_MINUTES (default 30) under a mixed load, with
Redis restarted, a Celery worker SIGKILLed and PostgreSQL restarted along the way.

    make soak                      # 30 minutes
    SOAK_MINUTES=6 make soak       # or: .venv/bin/python -m bench.soak

Everything it uses is its own, so nothing else on the machine is disturbed: a private PostgreSQL
cluster (initdb on a temporary folder and a free port, as the postgres user when run as root)
and a private Redis (broker and cache) on a free port; gunicorn with the production settings
(`--preload`, as docs/operations.md deploys it), a real Celery worker and a real beat
(DatabaseScheduler, as in production). It migrates, seeds the demo city and a set of dispatched
cases whose handling deadlines fall every 20 s during the run, then drives residents (API and web
form), trackers, an operator, a dispatcher, three units, public readers and an Open311 client
from threads in this process (loopback only, paced, every request with a timeout).

At 40 %, 55 % and 70 % of the run: Redis is stopped and started again on the same port, the
Celery worker is killed with SIGKILL (and a new one started, as a supervisor would), PostgreSQL
is stopped and started again. The report (printed, and var/soak/results.json) gives requests by
endpoint group and status, acknowledged vs stored cases, duplicated effects, the sweep's lateness
per minute, and each process's memory at start and end. Criteria (exit status 1 when one fails):
only 2xx/3xx/4xx answers, plus 503 with Retry-After during a fault; every acknowledged case
stored; no duplicated effect, notice or event; every due case flagged overdue, within two
minutes of its deadline unless a fault was near; no process exited on its own. Process logs stay
in var/soak/logs/. Every process it started is stopped at the end, on failure and on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.ops import servers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "soak"
PYTHON = sys.executable
CELERY = str(Path(sys.executable).parent / "celery")
DEMO_PASSWORD = "civic-demo-2026"
OPEN311_KEY = "civic-demo-open311"
# The units the load's handlers belong to (README's demo accounts).
LOAD_UNITS = {"handler": "D-ZJW", "handler2": "D-CGW", "street": "S-110101-0"}
DUE_EVERY_SECONDS = 20
DUE_PER_SLOT = 3
LATENESS_TARGET_SECONDS = 120
# A 503 is acceptable from a fault's start until this long after the service is back.
FAULT_GRACE_SECONDS = 20
REQUEST_TIMEOUT = 30


# --- processes -----------------------------------------------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            text = Path(stat).read_text()
        except OSError:
            continue
        # "pid (comm) state ppid …": comm may hold spaces, so split after its closing bracket.
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        children[ppid].append(int(stat.split("/")[2]))
    return children


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    children = _children_map()
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Child:
    """One supervised process in its own process group, its output in var/soak/logs/."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name, self.argv, self.env, self.log_dir = name, argv, env, log_dir
        self.proc: subprocess.Popen | None = None
        self.generation = 0

    def start(self) -> None:
        self.generation += 1
        log = open(self.log_dir / f"{self.name}.log", "ab")  # noqa: SIM115  closed by the child's exit
        log.write(f"\n=== start {self.generation} at {_stamp()} ===\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def pids(self) -> list[int]:
        return tree(self.proc.pid) if self.alive() else []

    def kill(self) -> None:
        """SIGKILL to the whole group, as a supervisor's hard stop does."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout)
        # Whatever is left of the group (a pool child, a worker that ignored TERM).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


class PrivateCluster(servers.PrivateCluster):
    """tests/ops' private cluster (its own folder and port, as the postgres user when we are
    root), with what the soak reads of it: whether it runs, its processes, its log."""

    def __init__(self):
        super().__init__("civic_soak", prefix="civic-soak-pg-", timeout=120)

    def running(self) -> bool:
        pid = self.postmaster_pid()
        return bool(pid) and Path(f"/proc/{pid}").exists()

    def postmaster_pid(self) -> int | None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int((self.data / "postmaster.pid").read_text().split()[0])
        return None

    def pids(self) -> list[int]:
        pid = self.postmaster_pid()
        return tree(pid) if pid and Path(f"/proc/{pid}").exists() else []

    def remove(self, log_dir: Path) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop()
        with contextlib.suppress(OSError):
            shutil.copy(self.dir / "server.log", log_dir / "postgresql.log")
        super().remove()


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(check, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the load ------------------------------------------------------------------------------

TEXTS = [
    ("小区门口路灯不亮", "多福巷小区门口的路灯坏了一周，晚上出行很不方便。"),
    ("楼下餐馆油烟扰民", "楼下餐馆排烟管道正对住户窗户，油烟很大。"),
    ("人行道井盖缺失", "人行道上有一个井盖丢失，存在安全隐患，请尽快处理。"),
    ("夜间施工噪音", "工地夜里十一点以后还在施工，噪音影响休息。"),
    ("暖气不热", "家里暖气温度一直只有十几度，请供热公司检修。"),
    ("垃圾清运不及时", "小区垃圾桶已经满了两天没有清运，气味很大。"),
]


@dataclass
class Shared:
    base: str
    t0: float
    category: int
    region: int
    region_code: str
    district_code: str
    unit_ids: dict[str, int]
    due_numbers: set[str]
    service_codes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[tuple] = field(default_factory=list)  # (t, group, status, detail)
    acked: dict[str, str] = field(default_factory=dict)  # marker → case number
    codes: list[tuple[str, str]] = field(default_factory=list)  # (number, access code)
    unanswered: set[str] = field(default_factory=set)  # markers whose filing got no clear answer
    stop: threading.Event = field(default_factory=threading.Event)

    def now(self) -> float:
        return time.monotonic() - self.t0

    def record(self, group: str, status, detail: str = "") -> None:
        with self.lock:
            self.requests.append((round(self.now(), 2), group, status, detail))

    def call(self, session, group: str, method: str, path: str, **kw):
        """One request; records its status ('503' only with Retry-After; '503-bare' without,
        'conn'/'timeout' for transport failures). Returns the response or None."""
        import requests

        headers = {"X-Forwarded-Proto": "https", **kw.pop("headers", {})}
        try:
            r = session.request(
                method, self.base + path, headers=headers, timeout=REQUEST_TIMEOUT, **kw
            )
        except requests.Timeout:
            self.record(group, "timeout")
            return None
        except requests.RequestException as exc:
            self.record(group, "conn", type(exc).__name__)
            return None
        status = str(r.status_code)
        if r.status_code == 503 and not r.headers.get("Retry-After"):
            status = "503-bare"
        detail = ""
        if r.status_code >= 500:
            detail = r.text[:200]
        self.record(group, status, detail)
        return r

    def pause(self, low: float = 0.3, high: float = 1.0) -> None:
        self.stop.wait(random.uniform(low, high))

    def ack(self, marker: str, number: str, code: str = "") -> None:
        with self.lock:
            self.acked[marker] = number
            if code:
                self.codes.append((number, code))


def _marker(kind: str) -> str:
    return f"soak {kind} {uuid.uuid4().hex[:12]}"


def _token(shared: Shared, session, username: str) -> str | None:
    while not shared.stop.is_set():
        r = shared.call(
            session,
            "token",
            "POST",
            "/api/v1/auth/token/",
            json={"username": username, "password": DEMO_PASSWORD},
        )
        if r is not None and r.status_code == 200:
            return r.json()["token"]
        shared.pause(2, 4)
    return None


def _file_api(shared: Shared, session, group: str, kind: str, auth: dict | None = None) -> None:
    """File one case through the API with an Idempotency-Key, retrying after a 503 or a lost
    connection with the same key, as a well-behaved client does."""
    marker = _marker(kind)
    title, description = random.choice(TEXTS)
    body = {
        "kind": "complaint",
        "category": shared.category,
        "region": shared.region,
        "title": f"{marker} {title}",
        "description": description,
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }
    if auth:
        body["urgency"] = "general"
    headers = {"Idempotency-Key": marker.replace(" ", "-"), **(auth or {})}
    for _attempt in range(5):
        r = shared.call(session, group, "POST", "/api/v1/cases/", json=body, headers=headers)
        if r is not None and r.status_code in (200, 201):
            data = r.json()
            shared.ack(marker, data["number"], data.get("access_code", ""))
            return
        if r is not None and r.status_code not in (502, 503, 504):
            break  # a 4xx: retrying would not help
        shared.pause(1, 3)
        if shared.stop.is_set():
            break
    with shared.lock:
        shared.unanswered.add(marker)


def resident_api(shared: Shared) -> None:
    import requests

    session = requests.Session()
    while not shared.stop.is_set():
        _file_api(shared, session, "intake-api", "api")
        shared.pause(0.5, 1.5)


def operator(shared: Shared) -> None:
    import requests

    session = requests.Session()
    token = _token(shared, session, "operator")
    while token and not shared.stop.is_set():
        _file_api(shared, session, "intake-operator", "op", {"Authorization": f"Token {token}"})
        shared.pause(1, 2)


def resident_web(shared: Shared) -> None:
    """The web form: GET (session, CSRF and one-time form token), POST, follow to the filed
    page that shows the number. Cookies are Secure in production, so they are kept by hand
    (behind the TLS proxy the portal sees https through X-Forwarded-Proto)."""
    import requests

    cookies: dict[str, str] = {}
    origin = {"Origin": shared.base.replace("http://", "https://")}
    while not shared.stop.is_set():
        session = requests.Session()
        r = shared.call(session, "web-form", "GET", "/cases/new/", cookies=cookies)
        if r is None or r.status_code != 200:
            shared.pause(1, 3)
            continue
        cookies.update(r.cookies.get_dict())
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text)
        form_token = re.search(r'name="form_token" value="([^"]+)"', r.text)
        marker = _marker("web")
        title, description = random.choice(TEXTS)
        data = {
            "csrfmiddlewaretoken": csrf.group(1) if csrf else "",
            "form_token": form_token.group(1) if form_token else "",
            "kind": "complaint",
            "category": shared.category,
            "title": f"{marker} {title}",
            "description": description,
            "region": shared.region,
            "reporter_name": "李四",
            "reporter_phone": "13900000000",
        }
        r = shared.call(
            session,
            "web-form",
            "POST",
            "/cases/new/",
            data=data,
            cookies=cookies,
            headers=origin,
            allow_redirects=False,
        )
        if r is not None:
            cookies.update(r.cookies.get_dict())
        if r is None or r.status_code != 302:
            with shared.lock:
                shared.unanswered.add(marker)
            shared.pause(1, 3)
            continue
        filed = shared.call(session, "web-form", "GET", "/cases/filed/", cookies=cookies)
        number = filed is not None and re.search(r"data-case-number>(\d+)<", filed.text)
        if number:
            shared.ack(marker, number.group(1))
        else:
            with shared.lock:
                shared.unanswered.add(marker)
        shared.pause(1, 3)


def tracker(shared: Shared) -> None:
    import requests

    session = requests.Session()
    while not shared.stop.is_set():
        with shared.lock:
            pick = random.choice(shared.codes) if shared.codes else None
        if pick:
            shared.call(
                session,
                "track",
                "POST",
                "/api/v1/track/",
                json={"number": pick[0], "access_code": pick[1]},
            )
        shared.pause(0.5, 1.5)


def dispatcher(shared: Shared) -> None:
    import requests

    session = requests.Session()
    token = _token(shared, session, "dispatcher")
    auth = {"Authorization": f"Token {token}"}
    units = list(shared.unit_ids.values())
    while token and not shared.stop.is_set():
        r = shared.call(session, "dispatch", "GET", "/api/v1/cases/?status=received", headers=auth)
        if r is not None and r.status_code == 200:
            numbers = [c["number"] for c in r.json()["results"]]
            for number in [n for n in numbers if n not in shared.due_numbers][:3]:
                shared.call(
                    session,
                    "dispatch",
                    "POST",
                    f"/api/v1/cases/{number}/dispatch/",
                    json={"lead_unit": random.choice(units), "note": "soak"},
                    headers=auth,
                )
                shared.pause(0.2, 0.5)
        shared.pause(1, 2)


def unit_handler(username: str):
    def run(shared: Shared) -> None:
        import requests

        session = requests.Session()
        token = _token(shared, session, username)
        auth = {"Authorization": f"Token {token}"}
        steps = [
            ("dispatched", "sign", None),
            ("signed", "contact", {"note": "已电话联系市民"}),
            ("in_progress", "reply", {"text": "已派人处理完毕。", "result": "resolved"}),
        ]
        while token and not shared.stop.is_set():
            for status, action, body in steps:
                r = shared.call(
                    session, "unit", "GET", f"/api/v1/cases/?status={status}", headers=auth
                )
                if r is None or r.status_code != 200:
                    shared.pause(1, 2)  # a client backs off (Retry-After), no hot loop
                    continue
                numbers = [c["number"] for c in r.json()["results"]]
                numbers = [n for n in numbers if n not in shared.due_numbers]
                if numbers:
                    shared.call(
                        session,
                        "unit",
                        "POST",
                        f"/api/v1/cases/{random.choice(numbers[:5])}/{action}/",
                        json=body or {},
                        headers=auth,
                    )
                shared.pause(0.3, 0.8)

    run.__name__ = f"unit_{username}"
    return run


def public_reader(shared: Shared) -> None:
    import requests

    session = requests.Session()
    while not shared.stop.is_set():
        path = random.choice(
            [
                "/public/cases/",
                "/public/cases.geojson",
                f"/public/feed/{shared.district_code}/",
                f"/public/cases/?page={random.randint(1, 3)}",
            ]
        )
        shared.call(session, "public", "GET", path)
        shared.pause(0.3, 1.0)


def open311_client(shared: Shared) -> None:
    import requests

    session = requests.Session()
    while not shared.service_codes and not shared.stop.is_set():
        r = shared.call(session, "open311", "GET", "/open311/v2/services.json")
        if r is not None and r.status_code == 200:
            # Services without attributes: a request needs only a location and a text.
            shared.service_codes = [s["service_code"] for s in r.json() if not s["metadata"]][:20]
        else:
            shared.pause(2, 4)
    while not shared.stop.is_set():
        if random.random() < 0.5:
            shared.call(session, "open311", "GET", "/open311/v2/requests.json")
        else:
            marker = _marker("o311")
            r = shared.call(
                session,
                "open311",
                "POST",
                "/open311/v2/requests.json",
                data={
                    "api_key": OPEN311_KEY,
                    "service_code": random.choice(shared.service_codes),
                    "address_id": shared.region_code,
                    # The first 40 characters become the title: the marker leads.
                    "description": f"{marker} {random.choice(TEXTS)[1]}",
                    "phone": "13700000000",
                },
            )
            if r is not None and r.status_code == 201:
                shared.ack(marker, r.json()[0]["service_request_id"])
            else:
                with shared.lock:
                    shared.unanswered.add(marker)
        shared.pause(0.8, 2.0)


ROLES = [
    resident_api,
    resident_api,
    resident_web,
    tracker,
    operator,
    dispatcher,
    unit_handler("handler"),
    unit_handler("handler2"),
    unit_handler("street"),
    public_reader,
    public_reader,
    open311_client,
]


# --- set-up and checks (this process, through Django, on the private database) --------------


def setup_django(env: dict) -> None:
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"):
        os.environ[key] = env[key]
    os.environ["DJANGO_SETTINGS_MODULE"] = "civic.settings.base"
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_due_cases(first_due: datetime, slots: int) -> tuple[dict, list[tuple[str, datetime]]]:
    """Dispatched cases whose handling deadlines fall every DUE_EVERY_SECONDS from
    `first_due`, DUE_PER_SLOT at a time. Created through the services, then their due time set
    directly (a harness's shortcut: no real policy has 20-second limits). They go to a unit the
    load's handlers do not belong to, so nobody replies to them before they fall due."""
    from django.db import connections

    from cases import services
    from cases.models import Case, Channel
    from civic.models import Category, Region, Unit, User

    operator_user = User.objects.get(username="operator")
    dispatcher_user = User.objects.get(username="dispatcher")
    category = (
        Category.objects.filter(level=3, active=True)
        .exclude(handling_level=Category.HandlingLevel.COMMUNITY)
        .order_by("path")
        .first()
    )
    community = (
        Region.objects.filter(code="110101-0-0").first()
        or Region.objects.filter(level=Region.Level.COMMUNITY).order_by("code").first()
    )
    units = {u.code: u.pk for u in Unit.objects.filter(code__in=LOAD_UNITS.values())}
    due_unit = (
        Unit.objects.filter(active=True, kind=Unit.Kind.DEPARTMENT)
        .exclude(code__in=LOAD_UNITS.values())
        .order_by("code")
        .first()
    )
    due: list[tuple[str, datetime]] = []
    for slot in range(slots):
        at = first_due + timedelta(seconds=slot * DUE_EVERY_SECONDS)
        for i in range(DUE_PER_SLOT):
            created = services.case_create(
                actor=operator_user,
                channel=Channel.HOTLINE,
                kind="complaint",
                category=category,
                title=f"soak due {slot}-{i}",
                description="A case whose handling deadline falls during the soak.",
                region=community,
                reporter_name="王五",
                reporter_phone="13600000000",
            )
            case = services.case_dispatch(
                actor=dispatcher_user, case=created.case, lead_unit=due_unit, note="soak"
            )
            Case.objects.filter(pk=case.pk).update(handle_due_at=at)
            due.append((case.number, at))
    context = {
        "category": category.pk,
        "region": community.pk,
        "region_code": community.code,
        "district_code": community.code.split("-")[0],
        "unit_ids": units,
        "due_unit": due_unit.code,
    }
    connections.close_all()  # hold no connection across the faults
    return context, due


def raise_open311_limit() -> None:
    from django.db import connections

    from open311.models import Open311Client

    Open311Client.objects.update(requests_per_minute=100000)
    connections.close_all()


def database_checks(due: list[tuple[str, datetime]], acked: dict[str, str]) -> dict:
    from django.db import connection, connections

    from cases.models import Case, DeadlineEffect

    def rows(sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    stored = {
        m.group(1): number
        for title, number in Case.objects.filter(title__startswith="soak ").values_list(
            "title", "number"
        )
        if (m := re.match(r"(soak \w+ [0-9a-f]{12})", title))
    }
    duplicates = {
        "deadline_effects": rows(
            "SELECT case_id, deadline, effect, due_at, count(*) FROM cases_deadlineeffect "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
        ),
        "notifications": rows(
            "SELECT user_id, dedupe_key, count(*) FROM civic_notification WHERE dedupe_key <> '' "
            "GROUP BY 1, 2 HAVING count(*) > 1"
        ),
        # One event per case for actions that happen once to the soak's cases (no
        # redispatch, return or reopen in this load; the demo history has those), and one
        # sweep event per deadline and due time.
        "case_events_once": rows(
            "SELECT e.case_id, e.action, count(*) FROM cases_caseevent e "
            "JOIN cases_case c ON c.id = e.case_id AND c.title LIKE 'soak %%' "
            "WHERE e.action IN ('create', 'dispatch', 'sign', 'contact', 'reply') "
            "GROUP BY 1, 2 HAVING count(*) > 1"
        ),
        "sweep_events": rows(
            "SELECT case_id, action, data->>'deadline', data->>'due_at', count(*) "
            "FROM cases_caseevent WHERE action IN ('overdue', 'deadline_warning') "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
        ),
        "supervision_orders": rows(
            "SELECT case_id, reason, deadline, unit_id, count(*) FROM cases_supervisionorder "
            "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
        ),
        "cases_without_event": rows(
            "SELECT c.number FROM cases_case c WHERE NOT EXISTS "
            "(SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id)"
        ),
    }
    numbers = [n for n, _at in due]
    flagged = {
        number: (at, flagged_overdue)
        for number, at, flagged_overdue in DeadlineEffect.objects.filter(
            case__number__in=numbers, deadline="handle", effect="overdue"
        ).values_list("case__number", "at", "case__is_overdue")
    }
    delivery = dict(
        rows("SELECT email_state, count(*) FROM civic_notification GROUP BY 1 ORDER BY 1")
    )
    connections.close_all()
    return {
        "stored": stored,
        "duplicates": {k: [list(map(str, r)) for r in v] for k, v in duplicates.items()},
        "flagged": flagged,
        "notification_email_states": delivery,
        "acked": acked,
    }


# --- the run -------------------------------------------------------------------------------


class Soak:
    def __init__(self, minutes: float, web_workers: int):
        self.minutes = minutes
        self.duration = minutes * 60
        self.web_workers = web_workers
        self.logs = OUT / "logs"
        self.tmp = Path(tempfile.mkdtemp(prefix="civic-soak-"))
        self.cluster: PrivateCluster | None = None
        self.redis: Child | None = None
        self.web: Child | None = None
        self.worker: Child | None = None
        self.beat: Child | None = None
        self.faults: list[dict] = []
        self.exits: list[dict] = []
        self.memory: list[dict] = []
        self.t0 = 0.0
        self.secret_key = secrets.token_urlsafe(50)

    # processes

    def env(self) -> dict:
        redis = f"redis://127.0.0.1:{self.redis_port}"
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))},
            "DJANGO_SETTINGS_MODULE": "bench.soak_settings",
            "SOAK_STATIC_ROOT": str(self.tmp / "static"),
            "SECRET_KEY": self.secret_key,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            # Behind the TLS proxy: no redirect here, and the proxy's header says https.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": self.cluster.url,
            "CELERY_BROKER_URL": f"{redis}/0",
            # More than one web process: caches (rate limits, sessions) in Redis, as
            # docs/operations.md advises.
            "CACHE_URL": f"{redis}/1",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            # One client address for every simulated user: per-IP abuse limits would measure
            # the limiter, and no login fails on purpose.
            "THROTTLE_INTAKE": "1000000/min",
            "THROTTLE_TRACKING": "1000000/min",
            "THROTTLE_OPEN311": "1000000/min",
            "THROTTLE_ANON": "1000000/min",
            "THROTTLE_USER": "1000000/min",
            "AXES_FAILURE_LIMIT": "1000",
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str, timeout: float = 600) -> None:
        with open(self.logs / "setup.log", "ab") as log:
            subprocess.run(
                [PYTHON, "manage.py", *args],
                cwd=ROOT,
                env=self.env(),
                check=True,
                timeout=timeout,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def start_redis(self) -> None:
        self.redis.start()
        if not wait_for(lambda: redis_ping(self.redis_port), 30):
            raise RuntimeError("redis did not start")

    def start_services(self) -> None:
        env = self.env()
        self.web_port = servers.free_port()
        self.web = Child(
            "gunicorn",
            [
                PYTHON, "-m", "gunicorn", "civic.wsgi:application",
                "--bind", f"127.0.0.1:{self.web_port}", "--workers", str(self.web_workers),
                "--preload", "--timeout", "60", "--graceful-timeout", "10",
                "--log-level", "warning",
            ],
            env,
            self.logs,
        )  # fmt: skip
        self.worker = Child(
            "worker",
            [
                CELERY, "-A", "civic", "worker", "-l", "WARNING", "--concurrency", "2",
                "-n", "soak@%h", "--pidfile", str(self.tmp / "worker-%n.pid"),
            ],
            env,
            self.logs,
        )  # fmt: skip
        self.beat = Child(
            "beat",
            [
                CELERY, "-A", "civic", "beat", "-l", "WARNING",
                "-S", "django_celery_beat.schedulers:DatabaseScheduler",
                "--pidfile", str(self.tmp / "beat.pid"), "-s", str(self.tmp / "beat-schedule"),
            ],
            env,
            self.logs,
        )  # fmt: skip
        for child in (self.web, self.worker, self.beat):
            child.start()
        if not servers.wait_until_listening(self.web_port, 90):
            raise RuntimeError("gunicorn did not start")

    def supervise(self) -> None:
        """What systemd's Restart=always would do: a process that exited on its own is noted
        (a finding) and started again."""
        for child in (self.web, self.worker, self.beat):
            if not child.alive():
                self.exits.append(
                    {"process": child.name, "t": round(self.now(), 1), "rc": child.proc.returncode}
                )
                print(
                    f"  ! {child.name} exited (rc {child.proc.returncode}); restarted", flush=True
                )
                child.start()
        if not self.redis.alive() and not self._in_fault:
            self.exits.append({"process": "redis", "t": round(self.now(), 1)})
            self.start_redis()

    def now(self) -> float:
        return time.monotonic() - self.t0

    def sample_memory(self, label: str) -> None:
        groups = {
            "gunicorn": self.web.pids(),
            "celery worker": self.worker.pids(),
            "celery beat": self.beat.pids(),
            "postgresql": self.cluster.pids(),
            "redis": self.redis.pids(),
        }
        self.memory.append(
            {
                "label": label,
                "t": round(self.now(), 1),
                "groups": {
                    name: {
                        "processes": len(pids),
                        "rss_mb": round(sum(rss_kb(p) for p in pids) / 1024, 1),
                        "pids": {str(p): round(rss_kb(p) / 1024, 1) for p in pids},
                    }
                    for name, pids in groups.items()
                },
            }
        )

    # faults

    _in_fault = False

    def fault_redis(self) -> None:
        self.redis.stop(timeout=10)
        time.sleep(5)
        self.start_redis()

    def fault_worker(self) -> None:
        self.worker.kill()
        time.sleep(3)  # a supervisor's restart delay
        self.worker.start()

    def fault_postgres(self) -> None:
        self.cluster.stop()
        time.sleep(5)
        self.cluster.start()

    def run_fault(self, name: str, action) -> None:
        self._in_fault = True
        start = self.now()
        print(f"  fault at {start:6.0f} s: {name} …", flush=True)
        try:
            action()
        finally:
            self._in_fault = False
        end = self.now()
        self.faults.append(
            {"fault": name, "start": round(start, 1), "end": round(end, 1), "at": _stamp()}
        )
        print(f"  … back at {end:6.0f} s", flush=True)

    # the whole run

    def run(self) -> dict:
        OUT.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir(parents=True)
        started_at = _stamp()
        print(f"soak: {self.minutes:g} minutes, logs in {self.logs}", flush=True)
        self.cluster = PrivateCluster()
        self.cluster.init()
        self.redis_port = servers.free_port()
        self.redis = Child(
            "redis",
            [
                "redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no",
            ],
            {**os.environ},
            self.logs,
        )  # fmt: skip
        self.start_redis()
        print(
            f"  private PostgreSQL :{self.cluster.port}, Redis :{self.redis_port}; "
            "migrate, seed_demo, collectstatic …",
            flush=True,
        )
        self.manage("migrate", "--noinput", "-v0")
        self.manage("seed_demo")
        self.manage("collectstatic", "--noinput", "-v0")
        setup_django(self.env())
        raise_open311_limit()
        self.start_services()

        # Deadlines from one minute in until 150 s before the end: the last is swept (every
        # SWEEP_INTERVAL_SECONDS, 60) before the run stops.
        slots = max(1, int((self.duration - 150 - 60) // DUE_EVERY_SECONDS) + 1)
        planned_t0 = datetime.now(UTC) + timedelta(seconds=20)
        context, due = seed_due_cases(planned_t0 + timedelta(seconds=60), slots)
        wait = (planned_t0 - datetime.now(UTC)).total_seconds()
        if wait > 0:
            time.sleep(wait)
        self.t0 = time.monotonic()
        wall_t0 = datetime.now(UTC)
        print(
            f"  load from {wall_t0:%H:%M:%S} UTC: {len(ROLES)} clients; "
            f"{len(due)} cases fall due, {DUE_PER_SLOT} every {DUE_EVERY_SECONDS} s",
            flush=True,
        )
        shared = Shared(
            base=f"http://127.0.0.1:{self.web_port}",
            t0=self.t0,
            category=context["category"],
            region=context["region"],
            region_code=context["region_code"],
            district_code=context["district_code"],
            unit_ids=context["unit_ids"],
            due_numbers={n for n, _at in due},
        )
        threads = [threading.Thread(target=role, args=(shared,), daemon=True) for role in ROLES]
        for t in threads:
            t.start()
        schedule = [
            (0.40, "redis restart", self.fault_redis),
            (0.55, "celery worker SIGKILL", self.fault_worker),
            (0.70, "postgresql restart", self.fault_postgres),
        ]
        next_sample = 60.0
        try:
            while self.now() < self.duration:
                if schedule and self.now() >= schedule[0][0] * self.duration:
                    _share, name, action = schedule.pop(0)
                    self.run_fault(name, action)
                self.supervise()
                if self.now() >= next_sample:
                    self.sample_memory("start" if next_sample == 60.0 else "minute")
                    next_sample += 60
                    done = len(shared.requests)
                    print(f"  {self.now() / 60:4.0f} min: {done} requests", flush=True)
                time.sleep(1)
        finally:
            shared.stop.set()
            for t in threads:
                t.join(timeout=REQUEST_TIMEOUT + 5)
        hung = sum(t.is_alive() for t in threads)
        self.sample_memory("end")
        checks = database_checks(due, dict(shared.acked))
        return self.report(shared, due, wall_t0, checks, hung, started_at)

    def log_findings(self) -> dict:
        """Errors the processes logged (informational: a fault is expected to log some)."""
        found = {}
        for log in sorted(self.logs.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()
            hits = [
                line.strip()
                for line in lines
                if re.search(r"Traceback|ERROR|CRITICAL|WORKER TIMEOUT|Internal Server Error", line)
            ]
            if hits:
                found[log.stem] = {"lines": len(hits), "first": list(dict.fromkeys(hits))[:8]}
        return found

    def stop_all(self) -> None:
        for child in (self.web, self.beat, self.worker, self.redis):
            if child is not None:
                child.stop()
        if self.cluster is not None:
            self.cluster.remove(self.logs)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # the report

    def in_fault(self, t: float, grace: float = FAULT_GRACE_SECONDS) -> bool:
        return any(f["start"] - 1 <= t <= f["end"] + grace for f in self.faults)

    def report(self, shared, due, wall_t0, checks, hung, started_at) -> dict:
        failures: list[str] = []
        # Requests by group and status, with the unacceptable ones counted apart.
        by_group: dict[str, Counter] = defaultdict(Counter)
        bad: Counter = Counter()
        samples: list[tuple] = []
        for t, group, status, detail in shared.requests:
            by_group[group][status] += 1
            ok = status[0] in "234" and status != "503-bare"
            if status == "503":
                ok = self.in_fault(t)
            if not ok:
                bad[f"{group} {status}{'' if status != '503' else ' (outside a fault)'}"] += 1
                if len(samples) < 20:
                    samples.append((t, group, status, detail))
        if bad:
            failures.append(f"unacceptable answers: {dict(bad)}")
        if hung:
            failures.append(f"{hung} client threads still waiting at the end")

        acked, stored = checks["acked"], checks["stored"]
        lost = sorted(set(acked) - set(stored))
        wrong_number = sorted(m for m in acked if m in stored and stored[m] != acked[m])
        orphans = sorted(set(stored) - set(acked))
        unexplained = [m for m in orphans if m not in shared.unanswered]
        if lost or wrong_number:
            failures.append(f"{len(lost)} acknowledged cases not stored, {len(wrong_number)} "
                            "stored under another number")  # fmt: skip
        if unexplained:
            failures.append(f"{len(unexplained)} stored cases never acknowledged nor errored")
        dups = {k: len(v) for k, v in checks["duplicates"].items()}
        if any(dups.values()):
            failures.append(f"duplicates: { {k: v for k, v in dups.items() if v} }")

        # The sweep's lateness, by the minute its deadlines fell in.
        per_minute: dict[int, list[float]] = defaultdict(list)
        missed, late = [], []
        for number, at in due:
            rel = (at - wall_t0).total_seconds()
            flagged = checks["flagged"].get(number)
            if flagged is None:
                missed.append(number)
                continue
            lateness = (flagged[0] - at).total_seconds()
            per_minute[int(rel // 60)].append(lateness)
            near_fault = any(
                f["start"] - LATENESS_TARGET_SECONDS <= rel <= f["end"] + 60 for f in self.faults
            )
            if lateness > LATENESS_TARGET_SECONDS and not near_fault:
                late.append((number, round(lateness, 1)))
        minutes = [
            {
                "minute": m,
                "due": len(v),
                "median_s": round(statistics.median(v), 1),
                "max_s": round(max(v), 1),
                "fault": ", ".join(
                    f["fault"]
                    for f in self.faults
                    if f["start"] - LATENESS_TARGET_SECONDS <= m * 60 + 59
                    and m * 60 <= f["end"] + 60
                ),
            }
            for m, v in sorted(per_minute.items())
        ]
        if missed:
            failures.append(f"{len(missed)} due cases never flagged overdue")
        if late:
            failures.append(f"{len(late)} due cases flagged more than 2 min late (no fault near)")
        if self.exits:
            failures.append(f"processes exited on their own: {self.exits}")

        memory = {}
        if self.memory:
            first, last = self.memory[0], self.memory[-1]
            for name in last["groups"]:
                peak = max(s["groups"][name]["rss_mb"] for s in self.memory)
                memory[name] = {
                    "start_mb": first["groups"][name]["rss_mb"],
                    "end_mb": last["groups"][name]["rss_mb"],
                    "peak_mb": peak,
                    "processes_start": first["groups"][name]["processes"],
                    "processes_end": last["groups"][name]["processes"],
                }
        all_lateness = [x for v in per_minute.values() for x in v]
        result = {
            "started_at": started_at,
            "load_from": wall_t0.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "minutes": self.minutes,
            "clients": len(ROLES),
            "gunicorn_workers": self.web_workers,
            "faults": self.faults,
            "requests": {
                "total": len(shared.requests),
                "by_group": {g: dict(sorted(c.items())) for g, c in sorted(by_group.items())},
                "unacceptable": dict(bad),
                "unacceptable_samples": samples,
            },
            "cases": {
                "acknowledged": len(acked),
                "stored": len(stored),
                "lost": lost,
                "stored_without_acknowledgement": len(orphans),
                "of_which_unexplained": unexplained,
                "filings_without_clear_answer": len(shared.unanswered),
            },
            "duplicates": dups,
            "duplicate_rows": {k: v[:10] for k, v in checks["duplicates"].items() if v},
            "notification_email_states": checks["notification_email_states"],
            "sweep": {
                "due_cases": len(due),
                "flagged": len(due) - len(missed),
                "missed": missed,
                "late_without_fault": late,
                "median_s": round(statistics.median(all_lateness), 1) if all_lateness else None,
                "max_s": round(max(all_lateness), 1) if all_lateness else None,
                "per_minute": minutes,
            },
            "memory_mb": memory,
            "memory_samples": self.memory,
            "process_exits": self.exits,
            "logged_errors": self.log_findings(),
            "failures": failures,
            "passed": not failures,
        }
        return result


def print_report(r: dict) -> None:
    print(f"\n== soak {r['load_from']}, {r['minutes']:g} min, {r['clients']} clients")
    print("faults:")
    for f in r["faults"]:
        print(f"  {f['fault']:<24} {f['start']:7.0f} s → {f['end']:7.0f} s  ({f['at']})")
    print(f"\nrequests ({r['requests']['total']}):")
    print(f"  {'group':<16} statuses")
    for group, statuses in r["requests"]["by_group"].items():
        print(f"  {group:<16} " + ", ".join(f"{s}: {n}" for s, n in statuses.items()))
    if r["requests"]["unacceptable"]:
        print(f"  UNACCEPTABLE: {r['requests']['unacceptable']}")
    c = r["cases"]
    print(
        f"\ncases: {c['acknowledged']} acknowledged, {c['stored']} stored, {len(c['lost'])} lost, "
        f"{c['stored_without_acknowledgement']} stored without an answer "
        f"({len(c['of_which_unexplained'])} unexplained)"
    )
    print(f"duplicates: {r['duplicates']}")
    s = r["sweep"]
    print(
        f"\nsweep: {s['flagged']}/{s['due_cases']} due cases flagged; lateness median "
        f"{s['median_s']} s, max {s['max_s']} s"
    )
    print(f"  {'minute':>6} {'due':>4} {'median s':>9} {'max s':>7}  fault near")
    for m in s["per_minute"]:
        print(f"  {m['minute']:>6} {m['due']:>4} {m['median_s']:>9} {m['max_s']:>7}  {m['fault']}")
    print("\nmemory (RSS, MB; all processes of each service):")
    print(f"  {'process':<14} {'start':>8} {'end':>8} {'peak':>8}  processes")
    for name, m in r["memory_mb"].items():
        print(
            f"  {name:<14} {m['start_mb']:>8} {m['end_mb']:>8} {m['peak_mb']:>8}  "
            f"{m['processes_start']} → {m['processes_end']}"
        )
    if r["logged_errors"]:
        print("\nerrors in the process logs (var/soak/logs/):")
        for name, found in r["logged_errors"].items():
            print(f"  {name}: {found['lines']} lines, e.g. {found['first'][0][:150]}")
    print("\nresult: " + ("PASSED" if r["passed"] else "FAILED"))
    for failure in r["failures"]:
        print(f"  - {failure}")


def _interrupt(_signum, _frame) -> None:
    """SIGTERM (a timeout, `kill`) cleans up like Ctrl-C."""
    raise KeyboardInterrupt


def main() -> int:
    minutes = float(os.environ.get("SOAK_MINUTES", "30"))
    if minutes < 4:
        raise SystemExit("SOAK_MINUTES must be at least 4 (three faults and due deadlines)")
    soak = Soak(minutes, web_workers=int(os.environ.get("SOAK_WEB_WORKERS", "3")))
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        result = soak.run()
    finally:
        soak.stop_all()
    (OUT / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print_report(result)
    print(f"\nresults: {OUT / 'results.json'}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
