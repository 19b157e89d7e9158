"""What the tests that start other processes share (and `make soak`): a free loopback port,
waiting for a server to listen, a private PostgreSQL cluster, the test database's URL for them,
and the JSON of a case filed through the API."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port: int, seconds: float = 30) -> bool:
    """Whether something listens on the loopback `port` within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def pg_bin(name: str) -> str:
    """A PostgreSQL server program of this machine's newest installed version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(
            f"PostgreSQL server binary {name} not found under /usr/lib/postgresql"
        )
    return found[-1]


class PrivateCluster:
    """A throw-away PostgreSQL cluster: initdb + pg_ctl on a temporary folder and a free port, as
    the postgres user when we are root, with one database. Stopping or restarting it cannot
    disturb the machine's own server or anything else."""

    def __init__(self, database: str, *, prefix: str = "civic-pg-", timeout: float = 60):
        self.database = database
        self.timeout = timeout
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, *args], check=True, capture_output=True, timeout=self.timeout
        )

    def init(self) -> None:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        self.start()
        self._run(
            "psql", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-qc",
            f"CREATE DATABASE {self.database}",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        # -l: the postmaster must not inherit our pipes, or waiting for pg_ctl never ends.
        log = str(self.dir / "server.log")
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"


def database_url(name: str | None = None) -> str:
    """The URL of the test database (or of database `name` on the same server), for a
    subprocess's DATABASE_URL."""
    from django.db import connection

    s = connection.settings_dict
    server = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"{server}/{name or s['NAME']}"


def case_body(category: int, region: int, i: int) -> bytes:
    """`POST /api/v1/cases/`'s body for the `i`th test case."""
    return json.dumps(
        {
            "kind": "complaint",
            "category": category,
            "region": region,
            "title": f"路灯不亮 {i}",
            "description": "小区门口路灯坏了一周。",
            "reporter_name": "张三",
            "reporter_phone": "13812345678",
        }
    ).encode()


class ReplicatedCluster(PrivateCluster):
    """A PrivateCluster that streams its WAL to standbys (wal_level=replica, WAL senders, and
    replication connections trusted from the loopback)."""

    def init(self) -> None:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")
        # Appended by us (root, or the owner): the files stay the server user's.
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n")
        with open(self.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        self.start()
        self._run(
            "psql", "-h", str(self.dir), "-p", str(self.port), "-U", "postgres", "-qc",
            f"CREATE DATABASE {self.database}",
        )  # fmt: skip


class StandbyCluster(PrivateCluster):
    """A hot standby of `primary`: `pg_basebackup -R` (which writes standby.signal and the
    primary_conninfo) into its own temporary folder, started on its own free port."""

    def __init__(self, primary: PrivateCluster, *, prefix: str = "civic-standby-"):
        super().__init__(primary.database, prefix=prefix, timeout=primary.timeout)
        self.primary = primary

    def init(self) -> None:
        self._run(
            pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
            "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast",
        )  # fmt: skip
        self.start()
