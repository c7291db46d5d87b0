"""Staff accounts and the audit log in the store, on SQLite and PostgreSQL alike (issue 17)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from test_store import question

from bot.store import StaffExists, StaffMissing, StoreMissing, describe, open_existing, open_store


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path}/nakabot.sqlite3"


def test_an_account_is_added_changed_and_disabled_each_step_in_the_audit_log(url):
    store = open_store(url)
    store.add_staff("sato", "scrypt:hash-1", "editor", actor="cli:root")
    with pytest.raises(StaffExists):
        store.add_staff("sato", "scrypt:hash-2", "admin", actor="cli:root")

    store.change_staff("sato", "cli:root", password_hash="scrypt:hash-3")
    store.change_staff("sato", "suzuki", active=False)

    account = store.staff_account("sato")
    assert (account.password_hash, account.role, account.active) == ("scrypt:hash-3", "editor", False)
    assert store.active_staff_count() == 0
    log = store.audit_log()
    assert [(e.actor, e.action, e.target) for e in log] == [
        ("suzuki", "staff.disable", "sato"), ("cli:root", "staff.passwd", "sato"),
        ("cli:root", "staff.add", "sato")]
    assert log[0].before == {"role": "editor", "active": True}
    assert log[0].after == {"role": "editor", "active": False}
    assert all("hash" not in str(e.before) + str(e.after) for e in log)  # never a password hash
    with pytest.raises(StaffMissing):
        store.change_staff("nobody", "cli:root", active=False)
    with pytest.raises(ValueError, match="role"):
        store.add_staff("tanaka", "x", "boss", actor="cli:root")


def test_a_new_password_or_a_disabled_account_ends_that_persons_sessions_only(url):
    store = open_store(url)
    store.add_staff("sato", "h", "editor", actor="cli:root")
    store.start_session("token-sato", dt.timedelta(hours=8), staff="sato")
    store.start_session("token-shared", dt.timedelta(hours=8))
    assert store.session_owner("token-sato") == ("sato",)
    assert store.session_owner("token-shared") == (None,)

    store.change_staff("sato", "cli:root", password_hash="h2")

    assert store.session_owner("token-sato") is None
    assert store.session_alive("token-shared")


def test_a_review_is_logged_with_each_rows_state_before_and_can_be_undone(url):
    store = open_store(url)
    first, second = question(store), question(store, "粗大ゴミを出したい")
    store.review([second], "sato", "g000001", state="ignored", note="対象外")

    changed, entry = store.review([first, second], "suzuki", "g123456", state="fixed", note="例文を追加")

    assert changed == 2 and {r.state for r in store.unanswered(states=())} == {"fixed"}
    logged = store.audit_entry(entry)
    assert (logged.actor, logged.action, logged.target) == ("suzuki", "unanswered.mark", "g123456")
    assert logged.before == {"rows": [[first, "new", None], [second, "ignored", "対象外"]]}
    assert store.undo_review(entry, "suzuki") == 2
    rows = {r.id: (r.state, r.note) for r in store.unanswered(states=())}
    assert rows == {first: ("new", None), second: ("ignored", "対象外")}
    assert store.audit_log(limit=1)[0].action == "unanswered.undo"


def test_a_note_alone_leaves_the_state_as_it_was(url):
    store = open_store(url)
    row = question(store)

    store.review([row], "sato", "g000001", note="来週 担当課に確認")

    [kept] = store.unanswered()
    assert (kept.state, kept.note) == ("new", "来週 担当課に確認")
    assert store.audit_log()[0].action == "unanswered.note"


def test_a_tool_opens_an_existing_store_but_never_creates_one(url, tmp_path):
    if url.startswith("sqlite"):
        with pytest.raises(StoreMissing):
            open_existing(url)
        assert not (tmp_path / "nakabot.sqlite3").exists()
    else:
        with pytest.raises(StoreMissing):
            open_existing(url)  # an empty schema: no tables made
    open_store(url)  # as the server does at its start

    assert open_existing(url).unanswered() == []


def test_the_store_is_described_without_its_password():
    assert describe("postgresql://bot:s3cret@db.example:5432/naka") == "PostgreSQL bot@db.example:5432/naka"
    assert describe("sqlite:///var/x.sqlite3").startswith("SQLite /") and describe("sqlite:///var/x.sqlite3"
                                                                                  ).endswith("var/x.sqlite3")
