"""/admin in a real browser (Chromium via tests/browser.py): log in, see the chart, mark a group, undo."""

from __future__ import annotations

import datetime as dt

from browser import screenshot, serving
from werkzeug.security import generate_password_hash

from bot.accounts import hash_password
from bot.config import Settings
from bot.events import EventHandler, open_store_or_none
from bot.reloader import CatalogueHolder
from bot.web import create_app

PASSWORD = "correct horse battery staple"


def test_staff_log_in_see_the_answered_rate_chart_and_close_a_group(page, conversation):
    store = open_store_or_none(Settings())  # the store the app gets, from DATABASE_URL
    events = EventHandler.from_settings(Settings(), CatalogueHolder.fixed(conversation), store)
    app = create_app(Settings(admin_password_hash=generate_password_hash(PASSWORD)), events=events)
    now = dt.datetime.now(dt.UTC)
    for days_ago, answered, fallbacks in [(2, 8, 2), (1, 5, 5), (0, 9, 1)]:
        at = now - dt.timedelta(days=days_ago)
        for _ in range(answered):
            store.count("procedure", "juminhyo", at=at)
        for _ in range(fallbacks):
            store.count("fallback", None, at=at)
    for text in ("粗大ごみの出し方", "粗大ゴミを出したい", "ペンギンの飼い方"):
        store.record_unanswered(text=text, normalized=text, candidates=[("juminhyo", 30.0)],
                                kind="fallback", answer_id=None, score=30.0, resident=text)

    with serving(app) as url:
        page.goto(url + "/admin/")
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()

        chart = page.locator("#answered-rate-chart")
        chart.wait_for()
        assert chart.bounding_box()["width"] > 300  # drawn, not collapsed
        assert page.locator("#answered-rate-chart rect.bar").count() == 3
        assert "22 件に回答" in page.locator("#rate-title + p").inner_text()  # 8 + 5 + 9 of 30
        screenshot(page, "admin", full_page=True)

        row = page.locator("#unanswered-groups tbody tr").first
        key = row.get_attribute("data-group")
        row.get_by_role("button", name="対応済み").click()
        page.get_by_role("status").wait_for()
        assert "対応済み" in page.get_by_role("status").inner_text()
        assert page.locator(f'#unanswered-groups tr[data-group="{key}"]').count() == 0
        assert page.locator("#unanswered-groups tbody tr").count() == 2


def test_on_a_1280x800_screen_the_list_comes_first_and_a_mark_can_be_undone(chromium, conversation):
    store = open_store_or_none(Settings())
    store.add_staff("sato", hash_password(PASSWORD), "editor", actor="cli:root")
    events = EventHandler.from_settings(Settings(), CatalogueHolder.fixed(conversation), store)
    app = create_app(Settings(), events=events)
    now = dt.datetime.now(dt.UTC)
    for days_ago in range(30):
        store.count("procedure", "juminhyo", at=now - dt.timedelta(days=days_ago))
        store.count("fallback", None, at=now - dt.timedelta(days=days_ago))
    for text in ("粗大ごみの出し方", "粗大ゴミを出したい", "ペンギンの飼い方", "今日の天気は"):
        store.record_unanswered(text=text, normalized=text, candidates=[("juminhyo", 30.0)],
                                kind="fallback", answer_id=None, score=30.0, resident=text)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="ja-JP",
                                   timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        with serving(app) as url:
            page.goto(url + "/admin/")
            page.get_by_label("名前").fill("sato")
            page.get_by_label("パスワード").fill(PASSWORD)
            page.get_by_role("button", name="ログイン").click()

            rows = page.locator("#unanswered-groups tbody tr")
            rows.first.wait_for()
            first = rows.first.bounding_box()
            assert first["y"] + first["height"] <= 800  # was below the chart: one row on screen
            assert page.locator("#answered-rate-chart").bounding_box()["y"] > first["y"]
            assert "sato（編集者）" in page.locator("#who").inner_text()
            screenshot(page, "admin-1280x800")

            page.get_by_label("ことば").fill("ペンギン")
            page.get_by_role("button", name="絞り込む").click()
            page.wait_for_url("**q=*")
            assert rows.count() == 1
            rows.first.get_by_role("button", name="対象外").click()
            page.get_by_role("status").wait_for()
            assert page.locator("#unanswered-groups").count() == 0  # the search keeps its filter

            page.get_by_role("button", name="元に戻す").click()
            page.get_by_role("status").wait_for()
            assert "元に戻しました" in page.get_by_role("status").inner_text()
            assert "ペンギンの飼い方" in rows.first.inner_text()
            assert store.audit_log()[1].actor == "sato"
    finally:
        context.close()
