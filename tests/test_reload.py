"""Catalogue edits reach the running bot without a restart; a broken edit never does."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.config import Settings
from bot.content import REPO_ROOT
from bot.reloader import CatalogueHolder
from bot.web import create_app, events_of


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the catalogue that the test may edit."""
    for folder in ("procedures", "intents"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    return tmp_path


def edit(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))  # a later time, whatever the clock


def settle(client: FlaskClient) -> None:
    """Let the app notice the edit, and wait for the reload it starts in the background."""
    client.get("/healthz")
    events_of(client.application).holder.wait()


def ask(client, text: str) -> str:  # type: ignore[no-untyped-def]
    messages = client.post("/simulator/send", json={"type": "text", "text": text}).get_json()["messages"]
    return messages[0].get("altText") or messages[0].get("text", "")


def test_a_broken_edit_keeps_the_bot_answering_and_a_fixed_one_is_served(root, caplog):
    app = create_app(Settings(catalogue_root=root, reload_interval=0))  # the app's own reloading holder
    client = app.test_client()
    first = client.get("/healthz").get_json()["catalogue_version"]
    juminhyo = root / "procedures" / "shomeisho" / "juminhyo.yaml"
    good = juminhyo.read_text(encoding="utf-8")

    edit(juminhyo, good.replace("title: ", "title: [閉じていない", 1))  # invalid YAML
    settle(client)

    assert "住民票を取る" in ask(client, "住民票がほしい")
    assert client.get("/healthz").get_json()["catalogue_version"] == first
    assert "catalogue_partly_refused" in caplog.text and "juminhyo.yaml" in caplog.text

    edit(juminhyo, good.replace("title: 住民票を取る", "title: 住民票を取る（改訂）", 1))
    settle(client)

    assert "住民票を取る（改訂）" in ask(client, "住民票がほしい")
    assert client.get("/healthz").get_json()["catalogue_version"] != first
    assert "catalogue_reloaded" in caplog.text


def test_an_alias_bomb_is_refused_and_the_last_good_catalogue_keeps_serving(root, caplog):
    from test_catalogue import alias_bomb

    client = create_app(Settings(catalogue_root=root, reload_interval=0)).test_client()
    first = client.get("/healthz").get_json()["catalogue_version"]
    juminhyo = root / "procedures" / "shomeisho" / "juminhyo.yaml"

    # 9 levels: a billion values once expanded; before the bound it exhausted the machine.
    edit(juminhyo, juminhyo.read_text(encoding="utf-8") + alias_bomb(9))
    settle(client)

    assert "住民票を取る" in ask(client, "住民票がほしい")
    assert client.get("/healthz").get_json()["catalogue_version"] == first
    assert "catalogue_partly_refused" in caplog.text and "別名" in caplog.text
    assert '"refused": ["procedures/shomeisho/juminhyo.yaml"]' in caplog.text  # that file alone


def test_files_are_looked_at_no_more_often_than_the_interval(root):
    now = [0.0]
    holder = CatalogueHolder(root, interval=2.0, clock=lambda: now[0])
    first = holder.conversation.catalogue.version
    city = root / "procedures" / "city.yaml"
    edit(city, city.read_text(encoding="utf-8") + "\n# 編集\n")

    now[0] = 1.0
    assert holder.conversation.catalogue.version == first  # too soon to look
    now[0] = 2.5
    assert holder.conversation.catalogue.version == first  # still answering while the new one loads...
    holder.wait()
    assert holder.conversation.catalogue.version != first  # ...then swapped


def test_sighup_makes_the_bot_look_at_once(root):
    holder = CatalogueHolder(root, interval=3600)
    first = holder.conversation.catalogue.version
    city = root / "procedures" / "city.yaml"
    edit(city, city.read_text(encoding="utf-8") + "\n# 編集\n")
    previous = signal.getsignal(signal.SIGHUP)
    try:
        holder.install_sighup()
        assert holder.conversation.catalogue.version == first
        os.kill(os.getpid(), signal.SIGHUP)
        holder.conversation  # noqa: B018 - asking is what starts the check
        holder.wait()
        assert holder.conversation.catalogue.version != first
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_conversation_given_to_the_app_is_never_reloaded(conversation):
    holder = CatalogueHolder.fixed(conversation)
    assert holder.conversation is conversation
    assert holder.check() is False


def test_one_broken_file_is_refused_alone_and_the_other_edits_go_out(root, caplog):
    client = create_app(Settings(catalogue_root=root, reload_interval=0)).test_client()
    juminhyo = root / "procedures" / "shomeisho" / "juminhyo.yaml"
    inkan = root / "procedures" / "shomeisho" / "inkan-shomei.yaml"
    text = juminhyo.read_text(encoding="utf-8")
    edit(juminhyo, text.replace("title: 住民票を取る", "title: 住民票（改訂）", 1))
    edit(inkan, inkan.read_text(encoding="utf-8").replace("title: ", "title：", 1))  # a full-width colon
    settle(client)

    assert "住民票（改訂）" in ask(client, "住民票がほしい")  # one staff member's edit is served
    assert "catalogue_partly_refused" in caplog.text and "inkan-shomei.yaml" in caplog.text
    assert "印鑑証明" in ask(client, "印鑑証明がほしい")  # the broken file's last good text answers


def test_an_edit_is_served_before_anyone_asks(root):
    frozen = CatalogueHolder(root, interval=1.0, clock=lambda: 0.0)  # only the watcher can look
    first = frozen.conversation.catalogue.version  # the first use starts the watcher
    juminhyo = root / "procedures" / "shomeisho" / "juminhyo.yaml"
    new = juminhyo.read_text(encoding="utf-8").replace("title: 住民票を取る", "title: 住民票（新）", 1)
    edit(juminhyo, new)

    for _ in range(100):
        frozen.wait()
        if frozen.conversation.catalogue.version != first:
            break
        time.sleep(0.1)
    assert frozen.conversation.catalogue.procedure("juminhyo").title == "住民票（新）"



def test_waiting_while_a_reload_is_being_started_does_not_fail(root, monkeypatch):
    # The watcher starts a reload while a request thread waits for the last one: the
    # thread it waits on must already be running (joining an unstarted one raises).
    holder = CatalogueHolder(root, interval=0.0)
    _ = holder.conversation  # the first use loads the catalogue
    start = threading.Thread.start

    def start_after_a_wait(thread: threading.Thread) -> None:
        holder.wait()  # another thread's wait(), just before this reload runs
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", start_after_a_wait)
    juminhyo = root / "procedures" / "shomeisho" / "juminhyo.yaml"
    new = juminhyo.read_text(encoding="utf-8").replace("title: 住民票を取る", "title: 住民票（新）", 1)
    edit(juminhyo, new)
    _ = holder.conversation  # notices the edit and starts the reload
    holder.wait()
    assert holder.conversation.catalogue.procedure("juminhyo").title == "住民票（新）"


def test_a_gunicorn_worker_watches_from_the_start(root, monkeypatch):
    # A worker nobody has asked yet: gunicorn's post_fork starts its watcher, so staff's
    # edit is served to the very first resident.
    from types import SimpleNamespace

    from bot import gunicorn_conf

    monkeypatch.setattr(gunicorn_conf.sys, "setswitchinterval", lambda _: None)
    monkeypatch.setattr(gunicorn_conf.faulthandler, "enable", lambda **_: None)
    app = create_app(Settings(catalogue_root=root, reload_interval=1.0))
    holder = events_of(app).holder
    assert not holder.watching

    gunicorn_conf.post_fork(SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)), None)

    assert holder.watching


def test_a_fact_filled_in_a_file_without_a_new_review_date_is_pointed_out(root, caplog):
    app = create_app(Settings(catalogue_root=root, reload_interval=0))
    client = app.test_client()
    client.get("/healthz")
    fees = root / "procedures" / "facts" / "fees.yaml"
    edit(fees, fees.read_text(encoding="utf-8").replace("    counter: ~", "    counter: 300円", 1))
    settle(client)

    assert "catalogue_reloaded" in caplog.text
    assert "catalogue_unreviewed_fill" in caplog.text and "counter を埋めました" in caplog.text
