"""Reads from a PostgreSQL streaming replica (docs/operations.md, "A streaming replica for reads").

With `DATABASE_REPLICA_URL` set, settings add a `replica` alias and this module sends the reads
of the read-only, lag-tolerant surfaces (`REPLICA_SURFACES`) there. Everything else reads and
writes the primary (`default`), and so does:
- every request that is not GET/HEAD, and a GET/HEAD request from the moment it writes;
- for `REPLICA_STICKY_SECONDS` after a request that wrote, the same browser (read-your-writes:
  a signed cookie, for anonymous visitors too), so whoever just acted sees what they did;
- every request while the standby does not answer or is more than `REPLICA_MAX_LAG_SECONDS`
  behind (`replica_status`, measured at most every `CHECK_SECONDS` per process);
- a routed request whose query failed on the standby: it is answered again from the primary
  (a hot standby cancels queries that conflict with replay, and a standby may go away between
  two checks), so a replica that fails is never a 500 or a 503.
Without a replica the middleware removes itself and the router answers "default" to everything:
`make run` and the test suite see no difference.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.signing import BadSignature
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
READ_METHODS = frozenset({"GET", "HEAD"})
# The one list of surfaces that read from the standby: URL names (namespace:name) of pages and
# API endpoints that only read and can show data a few seconds old. A name not here reads the
# primary. Left out on purpose: case pages (a handler acts on what they show), Open311's
# `tokens/<token>` (asked right after a POST by clients that keep no cookie), reports (a
# monthly report is generated on first view and stored).
REPLICA_SURFACES = frozenset(
    {
        # public side: list, map, map data, duplicate hints while filing, area feeds
        "cases_public:list",
        "cases_public:map",
        "cases_public:points",
        "cases_public:nearby",
        "cases_public:feed",
        # red/black boards and their exports
        "assessment:boards",
        "assessment:boards_export",
        "assessment:unit",
        "assessment:unit_cases_export",
        "assessment:unit_trend_export",
        "assessment-board-list",
        # Open311 GeoReport v2 reads
        "open311:discovery",
        "open311:services",
        "open311:service",
        "open311:requests",
        "open311:request",
        # hot topics
        "themes:hot_topics",
        "hot-topic-list",
        # statistics and dashboards
        "dashboard:dashboard",
        "api-dashboard",
        "patrol:stats",
        "patrol-stats",
        "knowledge:stats",
    }
)
# Read the primary whatever the surface: who is logged in (the user model too), their session,
# token and lockouts (a login or logout must hold on the very next request, whatever the lag).
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "authtoken", "axes", "contenttypes"})

STICKY_COOKIE = "civic_primary"
STICKY_SALT = "civic.db_router.sticky"
# How long a measured status of the standby is trusted by a process.
CHECK_SECONDS = 2.0
# Any error of a query on the standby: lost or cancelled (a recovery conflict), or a schema it has
# not replayed yet (a migration just applied on the primary).
REPLICA_ERRORS = (DatabaseError,)


@dataclasses.dataclass
class RequestState:
    """What the router knows of the request being served (one per request, in a contextvar)."""

    request: object
    may_use_replica: bool  # GET/HEAD, no sticky cookie, replica configured
    wrote: bool = False
    used_replica: bool = False
    replica_failed: bool = False


_state: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar(
    "civic_db_router_state", default=None
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def is_replica_surface(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name in REPLICA_SURFACES


# --- health and lag --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReplicaStatus:
    usable: bool
    lag_seconds: float | None  # None: unknown (no answer, or nothing replayed since start)
    bytes_behind: int | None
    reason: str
    checked_at: float  # time.monotonic()


_status: ReplicaStatus | None = None
_status_lock = threading.Lock()


def measure_replica() -> ReplicaStatus:
    """Ask the standby and the primary how far behind the standby is, now.

    Lag is measured in WAL position first: the primary's current position is read BEFORE the
    standby's replay position, so a standby that has replayed up to it misses nothing that was
    committed before the check (lag 0). The position is the flushed one: every commit is
    flushed before it returns, and only flushed WAL is streamed, so WAL that background work
    wrote but nothing waits for yet does not count as lag. Only when it has not is the lag the age of the last
    transaction it replayed, `pg_last_xact_replay_timestamp()`. That age alone would grow on an
    idle primary, where nothing is missing; when positions differ it is an upper bound (the
    first transaction missing committed after it). A server that is not in recovery answers
    lag 0: it is the primary itself (the test mirror) or a standby promoted by a failover.
    """
    now = time.monotonic()
    try:
        replica = connections[REPLICA]
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            (in_recovery,) = cursor.fetchone()
        if not in_recovery:
            return ReplicaStatus(True, 0.0, 0, "not in recovery", now)
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
            (primary_lsn,) = cursor.fetchone()
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())::bigint,"
                " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            behind, replay_age = cursor.fetchone()
    except Exception as exc:  # any failure (refused, timed out, forbidden in a test) → primary
        return ReplicaStatus(False, None, None, f"no answer: {exc}".strip(), now)
    if behind is None:
        return ReplicaStatus(False, None, None, "replay position unknown", now)
    if behind <= 0:
        return ReplicaStatus(True, 0.0, 0, "replayed up to the primary", now)
    if replay_age is None:
        return ReplicaStatus(False, None, int(behind), "nothing replayed yet", now)
    lag = max(float(replay_age), 0.0)
    limit = settings.REPLICA_MAX_LAG_SECONDS
    reason = f"{lag:.1f} s behind (bound {limit} s)"
    return ReplicaStatus(lag <= limit, lag, int(behind), reason, now)


def replica_status(*, force: bool = False) -> ReplicaStatus:
    """The standby's status, measured at most every CHECK_SECONDS in this process. While one
    thread measures, the others go on with the previous answer (or the primary)."""
    global _status
    current = _status
    fresh = current is not None and time.monotonic() - current.checked_at < CHECK_SECONDS
    if fresh and not force:
        return current
    if not _status_lock.acquire(blocking=force):
        return current or ReplicaStatus(False, None, None, "first check under way", 0.0)
    try:
        measured = measure_replica()
        if current is None or measured.usable != current.usable:
            log = logger.info if measured.usable else logger.warning
            log(
                "reads %s the replica: %s", "go to" if measured.usable else "leave", measured.reason
            )
        _status = measured
        return measured
    finally:
        _status_lock.release()


def mark_replica_down(reason: str) -> None:
    """Send this process's reads to the primary until the next check is due."""
    global _status
    if _status is None or _status.usable:
        logger.warning("reads leave the replica: %s", reason)
    _status = ReplicaStatus(False, None, None, reason, time.monotonic())


def _replica_connection_works() -> bool:
    """This thread's connection to the standby is open and, once per request, checked
    (CONN_HEALTH_CHECKS): a standby stopped since the last request is found here, before a
    query is sent to it, and not as a failed page."""
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except Exception as exc:
        mark_replica_down(f"cannot connect: {exc}".strip())
        return False
    return True


# --- the router ----------------------------------------------------------------------------


def _primary_only(model) -> bool:
    meta = model._meta
    return meta.app_label in PRIMARY_ONLY_APPS or meta.label == settings.AUTH_USER_MODEL


class ReplicaRouter:
    """Writes and migrations: always the primary. Reads: the replica only for a request that
    `ReplicaMiddleware` let use it, on a `REPLICA_SURFACES` view, while the standby is usable."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.may_use_replica or state.wrote:
            return DEFAULT_DB_ALIAS
        if _primary_only(model) or not is_replica_surface(state.request):
            return DEFAULT_DB_ALIAS
        if not replica_status().usable or not _replica_connection_works():
            return DEFAULT_DB_ALIAS
        state.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None:
            # From now on this request, and this browser for a while, read the primary.
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's very rows: objects read from either may relate.
        databases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A standby is read-only; it gets the schema by replication.
        return False if db == REPLICA else None


# --- the middleware ---------------------------------------------------------------------------


def _sticky(request) -> bool:
    try:
        request.get_signed_cookie(
            STICKY_COOKIE, salt=STICKY_SALT, max_age=settings.REPLICA_STICKY_SECONDS
        )
    except (KeyError, BadSignature):  # absent, forged, or expired (SignatureExpired)
        return False
    return True


class ReplicaMiddleware:
    """Decides per request whether its reads may go to the replica, and gives whoever wrote
    the read-your-writes cookie. Placed before SessionMiddleware so that a session saved on
    the way out counts as a write."""

    def __init__(self, get_response):
        if not replica_configured():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        state = RequestState(
            request=request,
            may_use_replica=request.method in READ_METHODS and not _sticky(request),
        )
        token = _state.set(state)
        try:
            if not state.may_use_replica:
                response = self.get_response(request)
            else:
                with connections[REPLICA].execute_wrapper(self._watch_replica):
                    response = self.get_response(request)
                if state.replica_failed and not state.wrote:
                    # The page failed on the standby (a 503 from civic.unavailable): a read-only
                    # request is safe to answer again, from the primary alone.
                    response.close()
                    state.may_use_replica = False
                    response = self.get_response(request)
            wrote = state.wrote or request.method not in READ_METHODS
        finally:
            _state.reset(token)
        if wrote:
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=STICKY_SALT,
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _watch_replica(execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except REPLICA_ERRORS as exc:
            state = _state.get()
            if state is not None and state.used_replica:  # not the status check's own queries
                state.replica_failed = True
            # A cancelled query (recovery conflict) leaves the standby usable; a lost one not.
            replica = connections[REPLICA]
            if replica.connection is None or not replica.is_usable():
                mark_replica_down(f"query failed: {exc}".strip())
            raise
