"""What the bot remembers: unanswered questions, handled webhook events, daily counts.

Plain Python, no Flask. `open_store(DATABASE_URL)` gives a Store; every method is one
short transaction and raises only StoreError, which callers log and carry on from (a
resident's reply never waits on, or fails because of, the store).

SQLite is the default (`sqlite:///var/nakabot.sqlite3`): WAL so readers never block the
writer, a busy timeout plus a few retries so several gunicorn workers can write at
once. The SQL is kept portable (`?` parameters, ON CONFLICT, ISO-8601 text times);
what differs between databases lives in a Dialect, so PostgreSQL can be added behind
the same interface.

Nothing here holds personal data in clear: texts arrive masked (bot/privacy.py) and
residents as pseudonymous keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from bot.logs import log_event

T = TypeVar("T")
log = logging.getLogger("bot.store")
STATES = ("new", "fixed", "ignored")
# Daily counts are kept per local (Japan) day, the day staff think in; Japan has no DST.
LOCAL = dt.timezone(dt.timedelta(hours=9), "JST")
EVENT_KEEP_DAYS = 7  # LINE redelivers within hours; older event ids are useless
TOPIC_MINUTES = 30  # a follow-up refers to the card shown this recently, not older ones


class StoreError(Exception):
    """The store could not do what was asked (locked, disk full, unreachable, bad URL)."""


# --- schema --------------------------------------------------------------------------
# Ordered and append-only: a released migration is never edited, a change is a new one.
# "{id}" is the dialect's auto-increment primary key.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE unanswered (
            id {id},
            at TEXT NOT NULL,              -- UTC, ISO 8601 (YYYY-MM-DDTHH:MM:SS.ffffffZ)
            channel TEXT NOT NULL,         -- line | simulator
            text TEXT NOT NULL,            -- masked
            normalized TEXT NOT NULL,      -- the matcher's surface form of the masked text
            candidates TEXT NOT NULL,      -- JSON [{"id": ..., "score": ...}], best first
            kind TEXT NOT NULL,            -- fallback | clarify | procedure | intent (low score)
            answer_id TEXT,
            score REAL NOT NULL,
            resident TEXT,                 -- pseudonymous key, never the LINE user id
            state TEXT NOT NULL DEFAULT 'new',
            note TEXT
        )""",
        "CREATE INDEX unanswered_at ON unanswered (at)",
        "CREATE INDEX unanswered_state ON unanswered (state, at)",
        """CREATE TABLE handled_events (
            event_id TEXT PRIMARY KEY,
            at TEXT NOT NULL
        )""",
        "CREATE INDEX handled_events_at ON handled_events (at)",
        """CREATE TABLE daily_counts (
            day TEXT NOT NULL,             -- local (Japan) date YYYY-MM-DD
            kind TEXT NOT NULL,            -- procedure | intent | clarify | fallback | tap
            target TEXT NOT NULL,          -- procedure or intent id, '' when none
            count INTEGER NOT NULL,
            PRIMARY KEY (day, kind, target)
        )""",
    ),
    (
        # How many questions one resident added lately (feedback.PER_RESIDENT_HOUR).
        "CREATE INDEX unanswered_resident ON unanswered (resident, at)",
        # One row that /healthz rewrites to know the store can be written (Store.writable).
        "CREATE TABLE health_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL)",
        # Staff sessions on /admin: a session ends for every worker when staff log out.
        """CREATE TABLE admin_sessions (
            id TEXT PRIMARY KEY,           -- SHA-256 of the session's random token
            expires TEXT NOT NULL          -- UTC, ISO 8601
        )""",
    ),
    (
        # The last procedure card shown to a resident, for follow-ups (「手数料は？」): one
        # row per pseudonymous key, replaced by the next card, gone after TOPIC_MINUTES.
        """CREATE TABLE recent_topics (
            resident TEXT PRIMARY KEY,     -- pseudonymous key, never the LINE user id
            procedure TEXT NOT NULL,       -- procedure id
            at TEXT NOT NULL               -- UTC, ISO 8601: when the card was shown
        )""",
        "CREATE INDEX recent_topics_at ON recent_topics (at)",
    ),
    (
        # Staff accounts on /admin (issue 17): one per person, so the audit log can say who.
        """CREATE TABLE staff (
            name TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,   -- werkzeug scrypt hash, never the password
            role TEXT NOT NULL,            -- editor | publisher | admin
            active INTEGER NOT NULL DEFAULT 1,
            created TEXT NOT NULL,         -- UTC, ISO 8601
            changed TEXT NOT NULL
        )""",
        # Whose session it is; NULL for one opened with the shared bootstrap password.
        "ALTER TABLE admin_sessions ADD COLUMN staff TEXT",
        # Every change staff make: who, when, what, before and after (JSON, never a password).
        """CREATE TABLE audit_log (
            id {id},
            at TEXT NOT NULL,              -- UTC, ISO 8601
            actor TEXT NOT NULL,           -- staff name, or cli:<os user>, or the shared password
            action TEXT NOT NULL,          -- staff.add | staff.passwd | staff.disable | unanswered.mark ...
            target TEXT NOT NULL,
            before TEXT,                   -- JSON
            after TEXT                     -- JSON
        )""",
        "CREATE INDEX audit_log_at ON audit_log (at)",
    ),
    (
        # Published catalogues (issue 17): each version is the whole tree of YAML files as
        # text, so every instance sharing the store serves the same one (bot/reloader.py).
        """CREATE TABLE catalogue_versions (
            id {id},
            at TEXT NOT NULL,              -- UTC, ISO 8601
            actor TEXT NOT NULL,           -- who published
            note TEXT NOT NULL,            -- what and why, in their words
            digest TEXT NOT NULL,          -- the catalogue's version (Catalogue.version)
            changed TEXT NOT NULL,         -- JSON list of the files that differ from the version before
            files TEXT NOT NULL            -- JSON {"procedures/x/y.yaml": "text", ...}: the whole tree
        )""",
        # The one shared draft: files staff saved and nobody has published yet.
        """CREATE TABLE catalogue_drafts (
            path TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
        # Unanswered questions whose fix is in the draft: marked fixed when it is published.
        """CREATE TABLE draft_fixes (
            unanswered_id INTEGER PRIMARY KEY,
            target TEXT NOT NULL,          -- the file the example went into
            actor TEXT NOT NULL,
            at TEXT NOT NULL
        )""",
    ),
)
ROLES = ("editor", "publisher", "admin")  # each may do what the ones before it may


@dataclass(frozen=True)
class Unanswered:
    id: int
    at: str
    channel: str
    text: str
    normalized: str
    candidates: tuple[tuple[str, float], ...]
    kind: str
    answer_id: str | None
    score: float
    resident: str | None
    state: str
    note: str | None


@dataclass(frozen=True)
class StaffAccount:
    name: str
    password_hash: str
    role: str
    active: bool
    created: str
    changed: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    before: Any  # decoded JSON, None when there was nothing before
    after: Any


@dataclass(frozen=True)
class CatalogueVersion:
    id: int
    at: str
    actor: str
    note: str
    digest: str
    changed: tuple[str, ...]
    files: dict[str, str]  # empty when listed without them (Store.catalogue_versions)


@dataclass(frozen=True)
class DraftFile:
    path: str
    text: str
    actor: str
    at: str


@dataclass(frozen=True)
class DayCount:
    day: str
    kind: str
    target: str
    count: int


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- dialects ------------------------------------------------------------------------
class Dialect(Protocol):
    """What differs between databases: connecting, the id column, errors worth a retry."""

    id_column: str
    single_writer: bool  # one write transaction at a time in the whole database (SQLite)

    def connect(self) -> Any: ...
    def sql(self, query: str) -> str: ...  # "?" parameters -> this driver's style
    def retryable(self, error: Exception) -> bool: ...
    def outage(self, error: Exception) -> bool: ...  # the database, not this one query, failed
    def errors(self) -> tuple[type[Exception], ...]: ...
    def begin(self, connection: Any) -> None: ...


class SQLite:
    id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"
    single_writer = True

    def __init__(self, path: str, busy_timeout_ms: int = 2000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._shm_size = 0  # the largest size of the -shm file seen (check_shared_memory)
        self._shm_lock = threading.Lock()
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create the folder for {path}: {error}") from error

    def connect(self) -> sqlite3.Connection:
        # Autocommit: each statement is its own transaction unless begin() opens one.
        connection = sqlite3.connect(self.path, timeout=self.busy_timeout_ms / 1000,
                                     isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fsync at checkpoints
        return connection

    def sql(self, query: str) -> str:
        return query

    def check_shared_memory(self) -> None:
        """Put back a -shm file cut short under this process's mapping of it.

        In WAL mode every connection maps the -shm file (the WAL index). If something cuts
        the file short (a careless clean-up, a full tmpfs), touching the mapping past its
        new end kills the process with SIGBUS: no exception, no log line, no reply. So
        before each use the file's size is compared with the largest seen; a shorter file
        gets its missing part back as zeros, allocated (posix_fallocate: a full disk is an
        OSError here, not a SIGBUS later; data another process wrote is never touched).
        SQLite finds the zeroed WAL index invalid and rebuilds it from the WAL file, as it
        does after a crash. One stat per store call.
        """
        if self.path == ":memory:":
            return
        shm = self.path + "-shm"
        try:
            size = os.stat(shm).st_size
        except FileNotFoundError:
            return
        except OSError as error:
            raise StoreError(f"cannot look at {shm}: {error}") from error
        if size >= self._shm_size:
            self._shm_size = size
            return
        with self._shm_lock:
            try:
                descriptor = os.open(shm, os.O_RDWR)
                try:
                    # Allocates what is missing with zeros; never shrinks, never overwrites.
                    os.posix_fallocate(descriptor, 0, self._shm_size)
                finally:
                    os.close(descriptor)
            except OSError as error:
                raise StoreError(f"{shm} was cut to {size} bytes and cannot be restored: {error}") from error
        log_event(log, "store_shm_restored", logging.WARNING, file=shm, found_bytes=size,
                  restored_bytes=self._shm_size)

    def retryable(self, error: Exception) -> bool:
        message = str(error).lower()
        return isinstance(error, sqlite3.OperationalError) and ("locked" in message or "busy" in message)

    def outage(self, error: Exception) -> bool:
        # Disk full, read-only, cannot open the file; not a bad query (a bug of ours).
        return isinstance(error, sqlite3.OperationalError | OSError)

    def errors(self) -> tuple[type[Exception], ...]:
        return (sqlite3.Error, OSError)

    def begin(self, connection: sqlite3.Connection) -> None:
        # Take the write lock at once: no deadlock upgrading a read lock under contention.
        connection.execute("BEGIN IMMEDIATE")


def dialect_for(url: str) -> Dialect:
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
        # sqlite:///relative/file, sqlite:////absolute/file, sqlite:// or sqlite:///:memory:
        path = path[1:] if path.startswith("/") else path
        return SQLite(path or ":memory:")
    if url.startswith(("postgres://", "postgresql://")):
        from bot.pg import PostgreSQL  # psycopg is imported only when PostgreSQL is used

        return PostgreSQL(url)
    raise StoreError(f"DATABASE_URL: unknown scheme in {url.split(':', 1)[0]!r}")


# --- the store -----------------------------------------------------------------------
class Store:
    """One per process; safe to share between threads (one connection per thread).

    After an outage (the database unreachable, locked past every retry, the disk full)
    the store is not tried again for `cool_off` seconds: calls raise StoreError at once.
    Each call would otherwise wait its own connect or busy timeout, and the claim comes
    before every reply, so a store that is down would delay every resident by seconds.
    """

    def __init__(self, dialect: Dialect, retries: int = 4, cool_off: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.dialect = dialect
        self.retries = retries
        self.cool_off = cool_off
        self._clock = clock
        self._outage: tuple[float, str] | None = None  # (when, what) of the last outage
        self._write_failed: float | None = None  # when the last write failed, if none succeeded since
        self._local = threading.local()
        # An in-memory database is one connection, shared under a lock (tests, tools).
        self._memory = getattr(dialect, "path", None) == ":memory:"
        self._memory_lock = threading.Lock()
        # One writer at a time per process where the database has one write lock (SQLite):
        # its busy handler sleeps in growing steps while it waits, so sixteen reply threads
        # racing for the lock wasted CPU and time. Threads queue on this mutex instead, and
        # only the processes meet in SQLite (bench/load.py: +30 % replies/s at saturation).
        self._writer = threading.Lock() if dialect.single_writer else None
        self._shared: Any = None

    # connections: one per thread and per process (gunicorn forks after --preload)
    def _connection(self) -> Any:
        if self._memory:
            if self._shared is None:
                self._shared = self.dialect.connect()
            return self._shared
        connection = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            connection = self.dialect.connect()
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def _forget_connection(self) -> None:
        connection, self._local.connection = getattr(self._local, "connection", None), None
        if connection is not None:
            with suppress(Exception):  # a broken connection may not even close
                connection.close()

    def _run(self, work: Callable[[Any], T], write: bool = False) -> T:
        """Run work(connection) in one short transaction, retrying while the database is busy."""
        outage = self._outage
        if outage is not None and (ago := self._clock() - outage[0]) < self.cool_off:
            raise StoreError(f"not tried: the store failed {ago:.1f} s ago ({outage[1]})")
        last: Exception | None = None
        check = getattr(self.dialect, "check_shared_memory", None)
        for attempt in range(self.retries + 1):
            try:
                if check is not None:
                    check()
                with self._guard(write):
                    connection = self._connection()
                    result = self._transaction(connection, work) if write else work(connection)
                self._outage = None
                if write:
                    self._write_failed = None
                return result
            except self.dialect.errors() as error:
                last = error
                if not self.dialect.retryable(error):
                    self._forget_connection()
                    message = f"{type(error).__name__}: {error}"
                    if self.dialect.outage(error):
                        self._outage = (self._clock(), message)
                    if write:
                        self._write_failed = self._clock()
                    raise StoreError(message) from error
                if getattr(self.dialect, "reconnect", lambda _e: False)(error):  # connection lost
                    self._forget_connection()
                time.sleep(0.01 * 2**attempt * (0.5 + random.random()))  # jitter, not secrets
        message = f"database busy after {self.retries + 1} tries: {last}"
        self._outage = (self._clock(), message)
        if write:
            self._write_failed = self._clock()
        raise StoreError(message) from last

    def _transaction(self, connection: Any, work: Callable[[Any], T]) -> T:
        self.dialect.begin(connection)
        try:
            result = work(connection)
        except BaseException:
            # SQLite may have rolled back already (SQLITE_FULL does): keep the real error.
            if getattr(connection, "in_transaction", True):
                connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    def _guard(self, write: bool) -> Any:
        if self._memory:
            return self._memory_lock
        if write and self._writer is not None:
            return self._writer
        return _nothing()

    def _execute(self, connection: Any, query: str, params: Sequence[Any] = ()) -> Any:
        return connection.execute(self.dialect.sql(query), tuple(params))

    # schema
    def migrate(self) -> int:
        """Create or bring the schema up to date; the schema version after."""
        def work(connection: Any) -> int:
            if hasattr(self.dialect, "lock_migrations"):  # PostgreSQL: one instance at a time
                self.dialect.lock_migrations(connection)
            self._execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self._execute(connection, "SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for version, statements in enumerate(MIGRATIONS, start=1):
                if version <= current:
                    continue
                for statement in statements:
                    self._execute(connection, statement.replace("{id}", self.dialect.id_column))
                self._execute(connection, "INSERT INTO schema_version (version) VALUES (?)", (version,))
            return len(MIGRATIONS)
        return self._run(work, write=True)

    def ping(self) -> bool:
        try:
            self._run(lambda c: self._execute(c, "SELECT 1").fetchone())
            return True
        except StoreError:
            return False

    def writable(self, recent: float = 60.0) -> bool:
        """Whether the store takes writes: none failed in the last `recent` seconds, and a
        probe write goes through now. The probe alone could pass on a full disk (one row
        rewritten in place needs no new page) while every question fails to be kept."""
        if self._write_failed is not None and self._clock() - self._write_failed < recent:
            return False
        try:
            self._run(lambda c: self._execute(
                c, "INSERT INTO health_probe (id, at) VALUES (1, ?)"
                   " ON CONFLICT (id) DO UPDATE SET at = excluded.at", (timestamp(now()),)), write=True)
            return True
        except StoreError:
            return False

    # staff sessions: the cookie carries a random token, the store its hash until logout
    def start_session(self, token: str, lifetime: dt.timedelta, at: dt.datetime | None = None,
                      staff: str | None = None) -> None:
        """`staff`: whose session (None: the shared bootstrap password's)."""
        moment = at or now()

        def work(connection: Any) -> None:
            self._execute(connection, "DELETE FROM admin_sessions WHERE expires < ?", (timestamp(moment),))
            self._execute(connection, "INSERT INTO admin_sessions (id, expires, staff) VALUES (?, ?, ?)",
                          (_token_hash(token), timestamp(moment + lifetime), staff))
        self._run(work, write=True)

    def session_alive(self, token: str, at: dt.datetime | None = None) -> bool:
        return self.session_owner(token, at) is not None

    def session_owner(self, token: str, at: dt.datetime | None = None) -> tuple[str | None] | None:
        """None when the session is over; else (staff name,), the name None for the shared password."""
        row = self._run(lambda c: self._execute(
            c, "SELECT staff FROM admin_sessions WHERE id = ? AND expires > ?",
            (_token_hash(token), timestamp(at or now()))).fetchone())
        return None if row is None else (row[0],)

    def end_session(self, token: str) -> None:
        self._run(lambda c: self._execute(
            c, "DELETE FROM admin_sessions WHERE id = ?", (_token_hash(token),)), write=True)

    # staff accounts: every change goes into the audit log in the same transaction
    def staff_account(self, name: str) -> StaffAccount | None:
        row = self._run(lambda c: self._execute(
            c, f"SELECT {_STAFF_COLUMNS} FROM staff WHERE name = ?", (name,)).fetchone())
        return None if row is None else _staff(row)

    def staff_accounts(self) -> list[StaffAccount]:
        return self._run(lambda c: [_staff(row) for row in self._execute(
            c, f"SELECT {_STAFF_COLUMNS} FROM staff ORDER BY name").fetchall()])

    def active_staff_count(self) -> int:
        return self._run(lambda c: int(self._execute(
            c, "SELECT COUNT(*) FROM staff WHERE active = 1").fetchone()[0]))

    def add_staff(self, name: str, password_hash: str, role: str, actor: str) -> None:
        """A new account; StoreError when the name is taken (a disabled one too)."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        moment = timestamp(now())

        def work(connection: Any) -> None:
            taken = self._execute(connection, "SELECT 1 FROM staff WHERE name = ?", (name,)).fetchone()
            if taken:
                raise StaffExists(name)
            self._execute(connection, "INSERT INTO staff (name, password_hash, role, active, created,"
                          " changed) VALUES (?, ?, ?, 1, ?, ?)", (name, password_hash, role, moment, moment))
            self._audit(connection, actor, "staff.add", name, None, {"role": role, "active": True})
        self._run(work, write=True)

    def change_staff(self, name: str, actor: str, *, password_hash: str | None = None,
                     role: str | None = None, active: bool | None = None) -> None:
        """Change an account; its sessions end (a new password or a disabled account counts at once)."""
        if role is not None and role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")

        def work(connection: Any) -> None:
            row = self._execute(connection, f"SELECT {_STAFF_COLUMNS} FROM staff WHERE name = ?",
                                (name,)).fetchone()
            if row is None:
                raise StaffMissing(name)
            old = _staff(row)
            new = {"role": role or old.role, "active": old.active if active is None else active}
            self._execute(connection, "UPDATE staff SET password_hash = ?, role = ?, active = ?, changed = ?"
                          " WHERE name = ?", (password_hash or old.password_hash, new["role"],
                                              1 if new["active"] else 0, timestamp(now()), name))
            self._execute(connection, "DELETE FROM admin_sessions WHERE staff = ?", (name,))
            before: dict[str, Any] = {"role": old.role, "active": old.active}
            after: dict[str, Any] = dict(new)
            if password_hash is not None:
                before["password"], after["password"] = "（以前のもの）", "（変更）"
            action = ("staff.passwd" if password_hash is not None else
                      "staff.disable" if active is False else "staff.change")
            self._audit(connection, actor, action, name, before, after)
        self._run(work, write=True)

    # the audit log
    def _audit(self, connection: Any, actor: str, action: str, target: str, before: Any, after: Any) -> int:
        cursor = self._execute(
            connection, "INSERT INTO audit_log (at, actor, action, target, before, after)"
                        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (timestamp(now()), actor, action, target, _json_or_none(before), _json_or_none(after)))
        return int(cursor.fetchone()[0])

    def audit(self, actor: str, action: str, target: str, before: Any = None, after: Any = None) -> int:
        """Write one audit entry on its own (for a change made elsewhere); its id."""
        return self._run(lambda c: self._audit(c, actor, action, target, before, after), write=True)

    def audit_log(self, limit: int = 200, action: str | None = None) -> list[AuditEntry]:
        """The latest entries first."""
        query, params = f"SELECT {_AUDIT_COLUMNS} FROM audit_log", list[Any]()
        if action is not None:
            query += " WHERE action = ?"
            params.append(action)
        query += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return self._run(lambda c: [_audit_entry(row) for row in self._execute(c, query, params).fetchall()])

    def audit_entry(self, entry_id: int) -> AuditEntry | None:
        row = self._run(lambda c: self._execute(
            c, f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE id = ?", (entry_id,)).fetchone())
        return None if row is None else _audit_entry(row)

    # the catalogue: published versions (whole trees) and the shared draft
    def latest_version_id(self) -> int | None:
        """The newest published version's id; None while the repository's files are served."""
        row = self._run(lambda c: self._execute(c, "SELECT MAX(id) FROM catalogue_versions").fetchone())
        return None if row is None or row[0] is None else int(row[0])

    def catalogue_version(self, version_id: int | None = None) -> CatalogueVersion | None:
        """One version with its files (the newest when no id is given)."""
        query = f"SELECT {_VERSION_COLUMNS}, files FROM catalogue_versions"
        params: tuple[Any, ...] = ()
        if version_id is None:
            query += " ORDER BY id DESC LIMIT 1"
        else:
            query += " WHERE id = ?"
            params = (version_id,)
        row = self._run(lambda c: self._execute(c, query, params).fetchone())
        return None if row is None else _version(row)

    def catalogue_versions(self, limit: int = 50, path: str | None = None) -> list[CatalogueVersion]:
        """The newest versions first, without their files; with `path`, only those that changed it."""
        query, params = f"SELECT {_VERSION_COLUMNS} FROM catalogue_versions", list[Any]()
        if path is not None:
            query += " WHERE changed LIKE ?"
            params.append("%" + json.dumps(path, ensure_ascii=False) + "%")
        query += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return self._run(lambda c: [_version(row) for row in self._execute(c, query, params).fetchall()])

    def publish(self, files: dict[str, str], digest: str, actor: str, note: str, *,
                action: str = "catalogue.publish", target: str = "", clear_draft: bool = True,
                based_on: int | Literal["any"] | None = "any") -> int:
        """Write a new version (the whole tree), end the draft and mark the questions it fixes;
        in the audit log with the version before and after. The new version's id.

        `based_on`: the newest version id the tree was made from (None: the repository's
        files); PublishConflict if another version was published meanwhile, so two
        publishers at once cannot undo each other's change without seeing it."""
        moment = timestamp(now())

        def work(connection: Any) -> int:
            row = self._execute(connection, "SELECT id, files FROM catalogue_versions"
                                            " ORDER BY id DESC LIMIT 1").fetchone()
            before_id, before_files = (None, None) if row is None else (int(row[0]), json.loads(row[1]))
            if based_on != "any" and based_on != before_id:
                raise PublishConflict(f"version {before_id} was published meanwhile")
            changed = sorted(path for path in set(files) | set(before_files or {})
                             if (before_files or {}).get(path) != files.get(path)) \
                if before_files is not None else sorted(files)
            cursor = self._execute(
                connection, "INSERT INTO catalogue_versions (at, actor, note, digest, changed, files)"
                            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (moment, actor, note, digest, json.dumps(changed, ensure_ascii=False),
                 json.dumps(files, ensure_ascii=False)))
            version_id = int(cursor.fetchone()[0])
            fixed: list[int] = []
            if clear_draft:
                self._execute(connection, "DELETE FROM catalogue_drafts")
                fixed = [int(r[0]) for r in self._execute(
                    connection, "SELECT unanswered_id FROM draft_fixes ORDER BY unanswered_id").fetchall()]
                self._execute(connection, "DELETE FROM draft_fixes")
                for start in range(0, len(fixed), 500):
                    chunk = fixed[start:start + 500]
                    self._execute(connection, f"UPDATE unanswered SET state = 'fixed'"
                                              f" WHERE id IN ({', '.join('?' for _ in chunk)})", chunk)
            self._audit(connection, actor, action, target or f"v{version_id}",
                        None if before_id is None else {"version": before_id},
                        {"version": version_id, "files": changed[:100], "note": note,
                         "fixed": len(fixed)})
            return version_id
        return self._run(work, write=True)

    def draft(self) -> dict[str, DraftFile]:
        """The files of the shared draft, by path."""
        rows = self._run(lambda c: self._execute(
            c, "SELECT path, text, actor, at FROM catalogue_drafts ORDER BY path").fetchall())
        return {row[0]: DraftFile(*row) for row in rows}

    def save_draft(self, path: str, text: str, actor: str, before: str | None = None) -> None:
        """Put one file into the draft (never what residents see); audited with before and after."""
        text = text.replace("\x00", "\ufffd")

        def work(connection: Any) -> None:
            row = self._execute(connection, "SELECT text FROM catalogue_drafts WHERE path = ?",
                                (path,)).fetchone()
            self._execute(connection, "INSERT INTO catalogue_drafts (path, text, actor, at)"
                                      " VALUES (?, ?, ?, ?) ON CONFLICT (path)"
                                      " DO UPDATE SET text = excluded.text,"
                                      " actor = excluded.actor, at = excluded.at",
                          (path, text, actor, timestamp(now())))
            self._audit(connection, actor, "catalogue.draft", path,
                        {"text": row[0] if row else before}, {"text": text})
        self._run(work, write=True)

    def discard_draft(self, actor: str, path: str | None = None) -> int:
        """Drop one file from the draft, or the whole draft (and its pending fixes); how many files."""
        def work(connection: Any) -> int:
            if path is None:
                count = self._execute(connection, "DELETE FROM catalogue_drafts").rowcount
                self._execute(connection, "DELETE FROM draft_fixes")
            else:
                count = self._execute(connection, "DELETE FROM catalogue_drafts WHERE path = ?",
                                      (path,)).rowcount
                self._execute(connection, "DELETE FROM draft_fixes WHERE target = ?", (path,))
            self._audit(connection, actor, "catalogue.discard", path or "（下書きすべて）", None,
                        {"files": count})
            return int(count)
        return self._run(work, write=True)

    def add_draft_fixes(self, ids: Sequence[int], target: str, actor: str) -> None:
        """These questions count as fixed once the draft (with `target`) is published."""
        moment = timestamp(now())

        def work(connection: Any) -> None:
            for id_ in ids:
                self._execute(connection, "INSERT INTO draft_fixes (unanswered_id, target, actor, at)"
                                          " VALUES (?, ?, ?, ?) ON CONFLICT (unanswered_id) DO UPDATE"
                                          " SET target = excluded.target", (id_, target, actor, moment))
        self._run(work, write=True)

    def draft_fixes(self) -> dict[int, str]:
        rows = self._run(lambda c: self._execute(
            c, "SELECT unanswered_id, target FROM draft_fixes").fetchall())
        return {int(row[0]): str(row[1]) for row in rows}

    # webhook events
    def claim_event(self, event_id: str, at: dt.datetime | None = None) -> bool:
        """True the first time this event id is seen, by any worker; False for a redelivery."""
        def work(connection: Any) -> bool:
            cursor = self._execute(
                connection,
                "INSERT INTO handled_events (event_id, at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING",
                (event_id, timestamp(at or now())))
            return cursor.rowcount == 1
        return self._run(work, write=True)

    # unanswered questions
    def record_unanswered(self, *, text: str, normalized: str, candidates: Sequence[tuple[str, float]],
                          kind: str, answer_id: str | None, score: float, resident: str | None,
                          channel: str = "line", at: dt.datetime | None = None) -> int:
        """Keep one question the bot could not answer well. `text` must already be masked."""
        # PostgreSQL's text cannot hold NUL (a hostile or broken client's); the same on both stores.
        text, normalized = (t.replace("\x00", "\ufffd") for t in (text, normalized))
        payload = json.dumps([{"id": c, "score": round(s, 1)} for c, s in candidates], ensure_ascii=False)

        def work(connection: Any) -> int:
            cursor = self._execute(
                connection,
                "INSERT INTO unanswered (at, channel, text, normalized, candidates, kind, answer_id, score,"
                " resident) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (timestamp(at or now()), channel, text, normalized, payload, kind, answer_id,
                 round(score, 1), resident))
            return int(cursor.fetchone()[0])  # RETURNING: SQLite 3.35+ and PostgreSQL alike
        return self._run(work, write=True)

    def unanswered(self, since: dt.datetime | None = None, until: dt.datetime | None = None,
                   states: Sequence[str] = ("new",), channel: str | None = None) -> list[Unanswered]:
        query = f"SELECT {_COLUMNS} FROM unanswered WHERE 1 = 1"
        params: list[Any] = []
        if channel is not None:  # "line" or "simulator"; None: both
            query += " AND channel = ?"
            params.append(channel)
        if since is not None:
            query += " AND at >= ?"
            params.append(timestamp(since))
        if until is not None:
            query += " AND at < ?"
            params.append(timestamp(until))
        if states:
            query += f" AND state IN ({', '.join('?' for _ in states)})"
            params.extend(states)
        query += " ORDER BY at, id"
        return self._run(lambda c: [_unanswered(row) for row in self._execute(c, query, params).fetchall()])

    def questions_from(self, resident: str, since: dt.datetime) -> int:
        """How many questions this resident (pseudonymous key) has added since then."""
        return self._run(lambda c: int(self._execute(
            c, "SELECT COUNT(*) FROM unanswered WHERE resident = ? AND at >= ?",
            (resident, timestamp(since))).fetchone()[0]))

    def mark(self, ids: Sequence[int], state: str, note: str | None = None) -> int:
        """Set the review state of these questions; how many changed."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        if not ids:
            return 0

        def work(connection: Any) -> int:
            changed = 0
            for start in range(0, len(ids), 500):  # keep under every driver's parameter limit
                chunk = list(ids[start:start + 500])
                cursor = self._execute(
                    connection,
                    f"UPDATE unanswered SET state = ?, note = COALESCE(?, note)"
                    f" WHERE id IN ({', '.join('?' for _ in chunk)})", [state, note, *chunk])
                changed += cursor.rowcount
            return changed
        return self._run(work, write=True)

    def review(self, ids: Sequence[int], actor: str, target: str, *, state: str | None = None,
               note: str | None = None) -> tuple[int, int | None]:
        """Set the state and/or the note of these questions, in the audit log with what each was
        before (so it can be undone); (how many changed, the audit entry's id or None)."""
        if state is not None and state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        ids = list(ids)[:5000]

        def work(connection: Any) -> tuple[int, int | None]:
            before: list[list[Any]] = []
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" for _ in chunk)
                before += [list(row) for row in self._execute(
                    connection, f"SELECT id, state, note FROM unanswered WHERE id IN ({marks}) ORDER BY id",
                    chunk).fetchall()]
            if not before:
                return 0, None
            for start in range(0, len(before), 500):
                chunk = [row[0] for row in before[start:start + 500]]
                marks = ", ".join("?" for _ in chunk)
                self._execute(connection, "UPDATE unanswered SET state = COALESCE(?, state),"
                                          f" note = COALESCE(?, note) WHERE id IN ({marks})",
                              [state, note, *chunk])
            after = {"state": state, "note": note, "count": len(before)}
            entry = self._audit(connection, actor, "unanswered.note" if state is None else "unanswered.mark",
                                target, {"rows": before}, after)
            return len(before), entry
        return self._run(work, write=True)

    def undo_review(self, entry_id: int, actor: str) -> int:
        """Put the questions of an unanswered.mark/.note entry back as they were; how many."""
        def work(connection: Any) -> int:
            row = self._execute(connection, f"SELECT {_AUDIT_COLUMNS} FROM audit_log WHERE id = ?",
                                (entry_id,)).fetchone()
            if row is None:
                return 0
            entry = _audit_entry(row)
            if entry.action not in ("unanswered.mark", "unanswered.note") or not entry.before:
                return 0
            rows = entry.before.get("rows", [])
            for id_, state, note in rows:
                self._execute(connection, "UPDATE unanswered SET state = ?, note = ? WHERE id = ?",
                              (state, note, id_))
            self._audit(connection, actor, "unanswered.undo", entry.target, entry.after,
                        {"undone": entry_id, "count": len(rows)})
            return len(rows)
        return self._run(work, write=True)

    # daily counts: no text, no resident, only what was shown
    def count(self, kind: str, target: str | None, at: dt.datetime | None = None) -> None:
        day = (at or now()).astimezone(LOCAL).date().isoformat()
        self._run(lambda c: self._execute(
            c, "INSERT INTO daily_counts (day, kind, target, count) VALUES (?, ?, ?, 1)"
               " ON CONFLICT (day, kind, target) DO UPDATE SET count = daily_counts.count + 1",
            (day, kind, target or "")), write=True)

    def counts(self, since: dt.date | None = None, until: dt.date | None = None) -> list[DayCount]:
        query, params = "SELECT day, kind, target, count FROM daily_counts WHERE 1 = 1", []
        if since is not None:
            query += " AND day >= ?"
            params.append(since.isoformat())
        if until is not None:
            query += " AND day < ?"
            params.append(until.isoformat())
        query += " ORDER BY day, kind, target"
        return self._run(lambda c: [DayCount(*row) for row in self._execute(c, query, params).fetchall()])

    # the last procedure shown to each resident (follow-ups), nothing else about them
    def remember_topic(self, resident: str, procedure: str, at: dt.datetime | None = None) -> None:
        """Keep `procedure` as `resident`'s topic, replacing the last; drop expired topics."""
        moment = at or now()
        expired = timestamp(moment - dt.timedelta(minutes=TOPIC_MINUTES))

        def work(connection: Any) -> None:
            self._execute(connection, "DELETE FROM recent_topics WHERE at < ?", (expired,))
            self._execute(
                connection,
                "INSERT INTO recent_topics (resident, procedure, at) VALUES (?, ?, ?)"
                " ON CONFLICT (resident) DO UPDATE SET procedure = excluded.procedure, at = excluded.at",
                (resident, procedure, timestamp(moment)))
        self._run(work, write=True)

    def recall_topic(self, resident: str, at: dt.datetime | None = None) -> str | None:
        """The procedure shown to `resident` within TOPIC_MINUTES, or None."""
        since = timestamp((at or now()) - dt.timedelta(minutes=TOPIC_MINUTES))
        row = self._run(lambda c: self._execute(
            c, "SELECT procedure FROM recent_topics WHERE resident = ? AND at >= ?",
            (resident, since)).fetchone())
        return str(row[0]) if row else None

    # retention
    def purge(self, older_than_days: int, at: dt.datetime | None = None) -> dict[str, int]:
        """Delete what is older than the retention period; how many rows per table."""
        moment = at or now()
        cutoff = timestamp(moment - dt.timedelta(days=older_than_days))
        event_cutoff = timestamp(moment - dt.timedelta(days=min(older_than_days, EVENT_KEEP_DAYS)))
        day_cutoff = (moment - dt.timedelta(days=older_than_days)).astimezone(LOCAL).date().isoformat()

        def work(connection: Any) -> dict[str, int]:
            return {
                "unanswered": self._execute(connection, "DELETE FROM unanswered WHERE at < ?",
                                            (cutoff,)).rowcount,
                "handled_events": self._execute(connection, "DELETE FROM handled_events WHERE at < ?",
                                                (event_cutoff,)).rowcount,
                "daily_counts": self._execute(connection, "DELETE FROM daily_counts WHERE day < ?",
                                              (day_cutoff,)).rowcount,
                "recent_topics": self._execute(
                    connection, "DELETE FROM recent_topics WHERE at < ?",
                    (timestamp(moment - dt.timedelta(minutes=TOPIC_MINUTES)),)).rowcount,
            }
        return self._run(work, write=True)

    def close(self) -> None:
        self._forget_connection()
        if self._shared is not None:
            self._shared.close()
            self._shared = None


def open_store(url: str) -> Store:
    """The store at DATABASE_URL, created and migrated; StoreError if that fails."""
    store = Store(dialect_for(url))
    store.migrate()
    return store


class StoreMissing(StoreError):
    """There is no store at that URL yet (a staff tool does not create one)."""


def open_existing(url: str) -> Store:
    """The store at DATABASE_URL, brought up to date, only if it exists: a tool reading
    the server's records must not quietly create an empty one elsewhere (StoreMissing)."""
    dialect = dialect_for(url)
    path = getattr(dialect, "path", None)
    if path is not None:
        if path == ":memory:" or not Path(path).is_file():
            raise StoreMissing(f"no store at {describe(url)}")
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    else:
        query = "SELECT to_regclass('schema_version')"
    store = Store(dialect)
    row = store._run(lambda c: store._execute(c, query).fetchone())
    if row is None or row[0] is None:
        store.close()
        raise StoreMissing(f"no store at {describe(url)}")
    store.migrate()
    return store


def describe(url: str) -> str:
    """The store's URL as staff may see it: a SQLite file's full path; no password."""
    if url.startswith("sqlite://"):
        path = getattr(dialect_for(url), "path", ":memory:")
        return "SQLite " + (path if path == ":memory:" else str(Path(path).resolve()))
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"PostgreSQL {user}{host}{port}{parts.path}"


_COLUMNS = "id, at, channel, text, normalized, candidates, kind, answer_id, score, resident, state, note"


def _unanswered(row: Sequence[Any]) -> Unanswered:
    (id_, at, channel, text, normalized, candidates, kind, answer_id, score, resident, state, note) = row
    pairs = tuple((c["id"], float(c["score"])) for c in json.loads(candidates or "[]"))
    return Unanswered(int(id_), at, channel, text, normalized, pairs, kind, answer_id, float(score),
                      resident, state, note)


class StaffExists(StoreError):
    """An account of that name exists already (perhaps disabled)."""


class PublishConflict(StoreError):
    """Another catalogue version was published since the one a publish started from."""


class StaffMissing(StoreError):
    """No account of that name."""


_STAFF_COLUMNS = "name, password_hash, role, active, created, changed"
_AUDIT_COLUMNS = "id, at, actor, action, target, before, after"


_VERSION_COLUMNS = "id, at, actor, note, digest, changed"


def _version(row: Sequence[Any]) -> CatalogueVersion:
    id_, at, actor, note, digest, changed, *files = row
    return CatalogueVersion(int(id_), at, actor, note, digest, tuple(json.loads(changed)),
                            json.loads(files[0]) if files else {})


def _staff(row: Sequence[Any]) -> StaffAccount:
    name, password_hash, role, active, created, changed = row
    return StaffAccount(name, password_hash, role, bool(active), created, changed)


def _audit_entry(row: Sequence[Any]) -> AuditEntry:
    id_, at, actor, action, target, before, after = row
    return AuditEntry(int(id_), at, actor, action, target, json.loads(before) if before else None,
                      json.loads(after) if after else None)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _token_hash(token: str) -> str:
    # Only a hash is kept: whoever reads the store cannot take over a live session.
    return hashlib.sha256(token.encode()).hexdigest()


@contextmanager
def _nothing() -> Iterator[None]:
    yield
