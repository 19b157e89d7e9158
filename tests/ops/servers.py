"""What the tests that start other processes share: a free loopback port, waiting for a server
to listen, the test database's URL for them, and the JSON of a case filed through the API."""

from __future__ import annotations

import json
import socket
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_listening(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


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
