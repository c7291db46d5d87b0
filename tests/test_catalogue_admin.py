"""/admin/catalogue (issue 17): staff edit a draft, see it checked, preview it, publish it, roll it back."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from conftest import BotClient, body_of, bot_client, line_settings, post, text_event
from test_admin import HTTPS, csrf, login

from bot.accounts import hash_password
from bot.content import REPO_ROOT
from bot.reloader import CatalogueHolder

JUMINHYO = "procedures/shomeisho/juminhyo.yaml"
PASSWORDS = {"sato": "sato's long password", "suzuki": "suzuki's long password",
             "tanaka": "tanaka's long password"}
NEW_TITLE = "住民票の写しを取る（新しい題名）"


@pytest.fixture
def client(fake_line) -> BotClient:
    """The production app whose catalogue follows what is published in its store."""
    box: dict[str, BotClient] = {}
    holder = CatalogueHolder(REPO_ROOT, interval=0, background=False,
                             store=lambda: box["client"].events.store)
    box["client"] = bot_client(line_settings(fake_line, flask_secret_key="k" * 32), holder)
    store = box["client"].events.store
    for name, role in [("sato", "admin"), ("suzuki", "editor"), ("tanaka", "publisher")]:
        store.add_staff(name, hash_password(PASSWORDS[name]), role, actor="cli:root")
    return box["client"]


def sign_in(client: BotClient, name: str) -> None:
    assert login(client, PASSWORDS[name], name=name).status_code == 302


def page(client: BotClient, url: str) -> str:
    response = client.get(url, base_url=HTTPS)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def save(client: BotClient, path: str, text: str) -> str:
    token = csrf(page(client, f"/admin/catalogue/edit?path={path}"))
    response = client.post("/admin/catalogue/edit", data={"csrf": token, "path": path, "text": text},
                           base_url=HTTPS, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def publish(client: BotClient, note: str = "題名を直した") -> int:
    token = csrf(page(client, "/admin/catalogue/preview"))
    return client.post("/admin/catalogue/publish", data={"csrf": token, "note": note},
                       base_url=HTTPS).status_code


def published_text(client: BotClient) -> str:
    return client.events.store.catalogue_version().files[JUMINHYO]


def retitle(text: str, title: str) -> str:
    return re.sub(r"^title: .*$", f"title: {title}", text, count=1, flags=re.MULTILINE)


def resident_sees(client: BotClient, fake_line, question: str) -> str:
    assert post(client, body_of(text_event(question))).status_code == 200
    return json.dumps(fake_line.replies[-1].body, ensure_ascii=False)


def test_nothing_of_the_catalogue_opens_without_login(client):
    for url in ("/admin/catalogue", f"/admin/catalogue/edit?path={JUMINHYO}", "/admin/catalogue/preview",
                f"/admin/catalogue/history?path={JUMINHYO}", "/admin/facts", "/admin/static/preview.js"):
        response = client.get(url, base_url=HTTPS)
        assert response.status_code == 302 and response.headers["Location"].endswith("/admin/login"), url


def test_a_form_without_its_csrf_token_is_refused(client):
    sign_in(client, "tanaka")
    original = page(client, f"/admin/catalogue/edit?path={JUMINHYO}")
    assert client.post("/admin/catalogue/edit", data={"path": JUMINHYO, "text": "id: x\n"},
                       base_url=HTTPS).status_code == 400
    assert client.post("/admin/catalogue/publish", data={"note": "x"}, base_url=HTTPS).status_code == 400
    assert client.events.store.draft() == {} and "id: juminhyo" in original


def test_an_editor_saves_a_draft_that_residents_do_not_see_and_cannot_publish_it(client, fake_line):
    sign_in(client, "suzuki")
    text = page(client, f"/admin/catalogue/edit?path={JUMINHYO}")
    current = re.search(r'<textarea[^>]*>(.*?)</textarea>', text, re.S).group(1)
    import html

    shown = save(client, JUMINHYO, retitle(html.unescape(current), NEW_TITLE))

    assert "下書きを保存しました" in shown and "エラーはありません" in shown
    assert NEW_TITLE in client.events.store.draft()[JUMINHYO].text
    assert NEW_TITLE not in resident_sees(client, fake_line, "住民票がほしい")
    assert "公開は公開者・管理者ができます" in page(client, "/admin/catalogue/preview")
    assert publish(client) == 403
    assert client.events.store.latest_version_id() is None


def test_a_mistake_is_shown_next_to_its_line_in_japanese_and_cannot_be_published(client):
    sign_in(client, "tanaka")
    original = (REPO_ROOT / JUMINHYO).read_text(encoding="utf-8")
    broken = original.replace("title:", "title：", 1)  # a full-width colon, as staff type it

    shown = save(client, JUMINHYO, broken)

    assert "エラーが" in shown and "直すまで公開できません" in shown
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if text.startswith("title："))
    row = re.search(rf'<tr id="line-{line}" class="has-problem".*?</tr>', shown, re.S)
    assert row is not None and "：" in row.group(0)  # the message sits on the mistaken line
    assert publish(client) == 303 and client.events.store.latest_version_id() is None


def test_a_publisher_publishes_and_the_webhook_answers_with_the_new_text_then_rolls_it_back(
        client, fake_line):
    sign_in(client, "tanaka")
    original = (REPO_ROOT / JUMINHYO).read_text(encoding="utf-8")
    save(client, JUMINHYO, retitle(original, NEW_TITLE))
    preview = page(client, "/admin/catalogue/preview")
    assert NEW_TITLE in preview and 'id="preview-messages"' in preview and "答えが変わる質問" in preview

    assert publish(client) == 302
    assert NEW_TITLE in published_text(client) and client.events.store.draft() == {}
    assert NEW_TITLE in resident_sees(client, fake_line, "住民票がほしい")
    history = page(client, f"/admin/catalogue/history?path={JUMINHYO}")
    assert f"+title: {NEW_TITLE}" in history

    # The first version is the starting catalogue with the change; publish once more, then go back.
    save(client, JUMINHYO, retitle(original, "住民票をとる（2回目）"))
    assert publish(client) == 302
    first = client.events.store.catalogue_versions()[-1].id
    token = csrf(page(client, f"/admin/catalogue/history?path={JUMINHYO}"))
    assert client.post("/admin/catalogue/rollback", data={"csrf": token, "path": JUMINHYO,
                                                          "version": str(first)},
                       base_url=HTTPS).status_code == 302
    assert NEW_TITLE in published_text(client)
    assert NEW_TITLE in resident_sees(client, fake_line, "住民票がほしい")
    assert [e.action for e in client.events.store.audit_log(limit=10)][:1] == ["catalogue.rollback"]
    assert "前の版に戻す" in page(client, "/admin/audit")


def test_an_unanswered_question_goes_into_a_draft_as_an_example_and_publishing_fixes_its_group(client):
    store = client.events.store
    ids = [store.record_unanswered(text=text, normalized=text, candidates=[("juminhyo", 40.0)],
                                   kind="fallback", answer_id=None, score=40.0, resident="k")
           for text in ("じゅーみんひょーとりたい", "じゅーみんひょーとりたい")]
    sign_in(client, "tanaka")
    listing = page(client, "/admin/")
    assert 'value="procedure:juminhyo"' in listing and "に例として追加" in listing

    response = client.post("/admin/catalogue/example", base_url=HTTPS, follow_redirects=True, data={
        "csrf": csrf(listing), "ids": ",".join(map(str, ids)), "target": "procedure:juminhyo"})

    assert "例として下書きに入れました" in response.get_data(as_text=True)
    assert "  - じゅーみんひょーとりたい" in store.draft()[JUMINHYO].text
    assert store.unanswered(states=("new",)) != []
    assert publish(client, "例を足した") == 302
    assert store.unanswered(states=("new",)) == [] and len(store.unanswered(states=("fixed",))) == 2
    assert client.events.conversation.matcher.match("じゅーみんひょーとりたい").id == "juminhyo"


def test_the_unconfirmed_facts_come_most_needed_first_with_their_edit_page(client):
    store = client.events.store
    catalogue = client.events.conversation.catalogue
    sign_in(client, "suzuki")
    first_rows = re.findall(r'<tr data-owner="([^"]+)">', page(client, "/admin/facts"))
    assert len(first_rows) > 10
    waiting = next(g for g in _gaps() if g.is_fact and g.waiting)
    for _ in range(7):
        store.count("procedure", waiting.waiting[0])

    shown = page(client, "/admin/facts")

    rows = re.findall(r'<tr data-owner="([^"]+)">\s*<td class="num">(\d+)</td>', shown)
    assert int(rows[0][1]) >= 7 and rows[0][1] != "0"
    assert [int(n) for _, n in rows] == sorted((int(n) for _, n in rows), reverse=True)
    assert f"/admin/catalogue/edit?path={waiting.path.replace('/', '%2F')}" in shown or waiting.path in shown
    assert catalogue.procedure(waiting.waiting[0]).title in shown


def _gaps():  # type: ignore[no-untyped-def]
    from bot import content

    return content.inspect(REPO_ROOT).gaps


def test_an_unconfirmed_fact_is_filled_by_a_form_with_its_source_and_date_into_the_draft(client):
    counters = "procedures/facts/counters.yaml"
    gap = next(g for g in _gaps() if g.path == counters and g.field.endswith("hours"))
    sign_in(client, "suzuki")
    facts = page(client, "/admin/facts")
    url = f"/admin/facts/fill?path={counters}&line={gap.line}"
    assert f"/admin/facts/fill?path={counters}&amp;line={gap.line}" in facts
    form = page(client, url)
    assert "受付時間" in form

    missing = client.post("/admin/facts/fill", base_url=HTTPS, data={
        "csrf": csrf(form), "path": counters, "line": gap.line, "value": "8:30〜17:15", "source": ""})
    assert missing.status_code == 400 and "根拠" in missing.get_data(as_text=True)
    assert client.events.store.draft() == {}

    saved = client.post("/admin/facts/fill", base_url=HTTPS, follow_redirects=True, data={
        "csrf": csrf(form), "path": counters, "line": gap.line, "value": "8:30〜17:15",
        "source": "那珂市 窓口案内（2026年12月）", "reviewed": dt.date.today().isoformat()})

    assert "下書きに入れました" in saved.get_data(as_text=True)
    text = client.events.store.draft()[counters].text
    assert "hours: 8:30〜17:15" in text and "- 那珂市 窓口案内（2026年12月）" in text
    assert f"reviewed: {dt.date.today().isoformat()}" in text
    from bot import versions

    draft = versions.overlay(versions.read_tree(REPO_ROOT)[0], {counters: text})
    checked = versions.inspect(draft)
    assert checked.errors == () and checked.catalogue.counters[0].hours == "8:30〜17:15"


def test_a_procedures_one_line_fields_have_a_form_and_a_mistake_shows_beside_its_field(client):
    sign_in(client, "suzuki")
    form = page(client, f"/admin/catalogue/edit?path={JUMINHYO}")
    assert 'id="fields-form"' in form and 'name="title"' in form and 'name="reviewed"' in form
    fields = dict(re.findall(r'<input id="field-([a-z_]+)" type="text" name="[a-z_]+" value="([^"]*)"', form))

    shown = client.post("/admin/catalogue/edit", base_url=HTTPS, follow_redirects=True, data={
        "csrf": csrf(form), "path": JUMINHYO, "mode": "fields",
        **{**fields, "title": NEW_TITLE, "reviewed": "2099-01-01"}}).get_data(as_text=True)

    text = client.events.store.draft()[JUMINHYO].text
    assert f"title: {NEW_TITLE}\n" in text and "reviewed: 2099-01-01\n" in text
    assert text.replace(f"title: {NEW_TITLE}", "").replace("reviewed: 2099-01-01", "") == (
        (REPO_ROOT / JUMINHYO).read_text(encoding="utf-8")
        .replace(f"title: {fields['title']}", "").replace(f"reviewed: {fields['reviewed']}", ""))
    beside = re.search(r'<p class="field has-problem" data-field="reviewed">.*?</p>', shown, re.S)
    assert beside is not None and "未来の日付" in beside.group(0)
    assert 'data-field="title"' in shown and '<p class="field has-problem" data-field="title">' not in shown


def test_a_fact_filled_in_the_text_without_a_new_review_date_is_pointed_out(client):
    sign_in(client, "suzuki")
    fees = "procedures/facts/fees.yaml"
    text = (REPO_ROOT / fees).read_text(encoding="utf-8")
    filled = text.replace("name: 住民票の写し\n    counter: ~", "name: 住民票の写し\n    counter: 300円", 1)

    shown = save(client, fees, filled)
    assert "juminhyo の counter を埋めました。確認した日（reviewed）と根拠（source）も直してください" in shown

    entry = filled.split("- id: juminhyo", 1)[1].split("- id:", 1)[0]
    dated = filled.replace(entry, re.sub(r"reviewed: \S+", "reviewed: 2026-12-03", entry), 1)
    assert "を埋めました" not in save(client, fees, dated)  # source and date updated with it
