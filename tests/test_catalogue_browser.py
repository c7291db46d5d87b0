"""Staff change what the bot says from the browser (issue 17), and every instance answers with it.

Chromium (tests/browser.py): log in, open a procedure, make a mistake and see it on its line,
fix it, preview the card as LINE draws it, publish. A second app instance sharing the same
store (the same SQLite file, or one PostgreSQL server) then answers a signed webhook with the
new text, without a restart. Screenshots of the editor, the preview, the history and the gap
list go to docs/screenshots when NAKABOT_SCREENSHOTS is set.
"""

from __future__ import annotations

import json
import time

import pytest
from browser import screenshot, serving
from conftest import SECRET, TOKEN, body_of, sign, text_event

from bot.accounts import hash_password
from bot.config import Settings
from bot.content import REPO_ROOT
from bot.store import open_store
from bot.web import create_app, events_of

PASSWORD = "tanaka's long password"
JUMINHYO = "procedures/shomeisho/juminhyo.yaml"
NEW_TITLE = "住民票の写しを取る（ブラウザで直した題名）"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, monkeypatch) -> str:
    url = (f"sqlite:///{tmp_path / 'shared.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def instance(fake_line, database_url: str):  # type: ignore[no-untyped-def]
    """One app as a server runs it: its own holders, reloading at a short interval."""
    settings = Settings(channel_secret=SECRET, access_token=TOKEN, api_base_url=fake_line.url,
                        database_url=database_url, reload_interval=0.2, flask_secret_key="k" * 32)
    return create_app(settings)


def answer_of(app, fake_line, question: str) -> str:  # type: ignore[no-untyped-def]
    body = body_of(text_event(question))
    client = app.test_client()
    response = client.post("/callback", data=body.encode(),
                           headers={"Content-Type": "application/json", "X-Line-Signature": sign(body)})
    assert response.status_code == 200
    events_of(app).wait()
    return json.dumps(fake_line.replies[-1].body, ensure_ascii=False)


def test_edit_see_the_mistake_preview_publish_and_the_other_instance_answers_with_it(
        page, fake_line, database_url):
    open_store(database_url).add_staff("tanaka", hash_password(PASSWORD), "publisher", actor="cli:root")
    publishing, other = instance(fake_line, database_url), instance(fake_line, database_url)
    original = (REPO_ROOT / JUMINHYO).read_text(encoding="utf-8")
    old_title = events_of(other).conversation.catalogue.procedure("juminhyo").title
    assert old_title in answer_of(other, fake_line, "住民票がほしい")
    page.set_viewport_size({"width": 1280, "height": 900})

    with serving(publishing) as url:
        page.goto(url + "/admin/")
        page.get_by_label("名前").fill("tanaka")
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.get_by_role("link", name="カタログの編集").click()
        page.get_by_role("link", name=old_title, exact=True).click()

        # A full-width colon, as staff type it: the message stands on that line, in Japanese.
        page.get_by_label("内容（YAML").fill(original.replace("title:", "title：", 1))
        page.get_by_role("button", name="下書きとして保存", exact=True).click()
        page.locator("#problems").wait_for()
        assert "直すまで公開できません" in page.locator("#problems").inner_text()
        assert page.locator("tr.has-problem").count() >= 1
        screenshot(page, "admin-editor", full_page=False)

        fixed = original.replace(f"title: {old_title}", f"title: {NEW_TITLE}", 1)
        page.get_by_label("内容（YAML").fill(fixed)
        page.get_by_role("button", name="下書きとして保存", exact=True).click()
        assert "エラーはありません" in page.get_by_role("status").inner_text()
        assert old_title in answer_of(other, fake_line, "住民票がほしい")  # a draft is never live

        page.get_by_role("link", name="カタログの編集").click()
        # The draft and the published catalogue first answer every known question (about
        # 1,200, some seconds each side): the click does not wait for the page, the card
        # below does, drawn by the simulator's renderer from the Flex JSON.
        page.get_by_role("link", name="公開の前に確認").click(no_wait_after=True)
        card = page.locator(".fx-bubble").filter(has_text=NEW_TITLE)
        card.first.wait_for(timeout=90_000)
        assert page.locator("#preview-ok").is_visible()
        screenshot(page, "admin-preview", full_page=True)

        page.get_by_label("メモ").fill("題名をわかりやすくした")
        page.get_by_role("button", name="公開する").click()
        assert "として公開しました" in page.get_by_role("status").inner_text()

        # The other instance, which published nothing, answers with the new text within seconds.
        deadline, answered = time.monotonic() + 60, ""
        while time.monotonic() < deadline and NEW_TITLE not in answered:
            answered = answer_of(other, fake_line, "住民票がほしい")
            if NEW_TITLE not in answered:
                time.sleep(0.2)
        assert NEW_TITLE in answered

        page.goto(url + f"/admin/catalogue/history?path={JUMINHYO}")
        assert f"+title: {NEW_TITLE}" in page.locator("pre.diff").first.inner_text()
        screenshot(page, "admin-history", full_page=False)
        page.get_by_role("link", name="未確認の事実").click()
        page.locator("#fact-needs tbody tr").first.wait_for()
        screenshot(page, "admin-facts", full_page=False)
        page.get_by_role("link", name="埋める").first.click()
        # Sent with nothing written: refused, and the form stays.
        page.get_by_role("button", name="下書きとして保存", exact=True).click()
        assert page.locator("#fill-form").is_visible()
