"""nakabot staff add|passwd|disable|list: accounts of /admin, passwords never on the command line."""

from __future__ import annotations

import pytest
from test_cli import run
from werkzeug.security import check_password_hash

from bot.store import open_store

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(_own_database):
    return open_store(f"sqlite:///{_own_database}")  # the server made it; the CLI reads DATABASE_URL


def test_the_first_admin_is_added_with_a_password_read_from_stdin(store, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, "staff", "add", "sato", "--role", "admin",
                         stdin=PASSWORD + "\n")

    assert code == 0 and "管理者" in out and "記録: SQLite" in err
    account = store.staff_account("sato")
    assert account.role == "admin" and account.active
    assert account.password_hash.startswith("scrypt:")
    assert check_password_hash(account.password_hash, PASSWORD)
    assert PASSWORD not in account.password_hash
    [entry] = store.audit_log()
    assert (entry.action, entry.target, entry.actor.startswith("cli")) == ("staff.add", "sato", True)


def test_a_short_password_or_a_taken_name_is_refused(store, capsys, monkeypatch):
    assert run(capsys, monkeypatch, "staff", "add", "sato", "--role", "editor", stdin="short\n")[0] == 1
    assert store.staff_account("sato") is None
    run(capsys, monkeypatch, "staff", "add", "sato", "--role", "editor", stdin=PASSWORD + "\n")

    code, _, err = run(capsys, monkeypatch, "staff", "add", "sato", "--role", "admin", stdin=PASSWORD + "\n")

    assert code == 1 and "すでにあります" in err and store.staff_account("sato").role == "editor"


def test_passwd_and_disable_change_the_account_and_say_so(store, capsys, monkeypatch):
    run(capsys, monkeypatch, "staff", "add", "sato", "--role", "editor", stdin=PASSWORD + "\n")

    assert run(capsys, monkeypatch, "staff", "passwd", "sato", stdin="a much longer new one\n")[0] == 0
    assert check_password_hash(store.staff_account("sato").password_hash, "a much longer new one")
    assert run(capsys, monkeypatch, "staff", "disable", "sato")[0] == 0
    assert not store.staff_account("sato").active
    code, out, _ = run(capsys, monkeypatch, "staff", "list")
    assert code == 0 and "sato\t編集者（editor）（無効）" in out
    code, _, err = run(capsys, monkeypatch, "staff", "disable", "nobody")
    assert code == 1 and "ありません" in err


def test_there_is_no_password_option(capsys, monkeypatch):
    with pytest.raises(SystemExit):
        run(capsys, monkeypatch, "staff", "add", "sato", "--role", "admin", "--password", PASSWORD)


def test_without_the_servers_store_nothing_is_created(capsys, monkeypatch, _own_database):
    code, _, err = run(capsys, monkeypatch, "staff", "add", "sato", "--role", "admin", stdin=PASSWORD + "\n")

    assert code == 1 and "DATABASE_URL" in err and not _own_database.exists()
