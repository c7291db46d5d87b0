"""/admin with staff accounts: own names, roles, the audit log, and the review tools (issue 17)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import BotClient, bot_client
from test_admin import HTTPS, csrf, login
from werkzeug.security import generate_password_hash

from bot import report
from bot.accounts import hash_password
from bot.config import Settings
from bot.reloader import CatalogueHolder
from bot.store import Store

SHARED = "the old shared password"
PASSWORDS = {"sato": "sato's long password", "suzuki": "suzuki's long password",
             "tanaka": "tanaka's long password"}


@pytest.fixture
def client(conversation) -> BotClient:
    settings = Settings(admin_password_hash=generate_password_hash(SHARED), flask_secret_key="k" * 32)
    return bot_client(settings, CatalogueHolder.fixed(conversation))


@pytest.fixture
def store(client) -> Store:
    return client.events.store


@pytest.fixture
def accounts(store) -> Store:
    for name, role in [("sato", "admin"), ("suzuki", "editor"), ("tanaka", "publisher")]:
        store.add_staff(name, hash_password(PASSWORDS[name]), role, actor="cli:root")
    return store


def sign_in(client: BotClient, name: str) -> str:
    """Log in as `name`; the page's HTML."""
    assert login(client, PASSWORDS[name], name=name).status_code == 302
    return client.get("/admin/", base_url=HTTPS).get_data(as_text=True)


def ask(store: Store, text: str, kind: str = "fallback", answer: str | None = None,
        candidates: tuple[tuple[str, float], ...] = (("kaigo-tennyu-nintei", 51.0),)) -> int:
    return store.record_unanswered(text=text, normalized=text, candidates=list(candidates), kind=kind,
                                   answer_id=answer, score=51.0, resident="k")


def test_each_member_logs_in_with_their_own_name_and_the_page_says_who(client, accounts):
    assert login(client, PASSWORDS["sato"], name="suzuki").status_code == 401  # another's password
    assert login(client, PASSWORDS["suzuki"], name="nobody").status_code == 401

    page = sign_in(client, "suzuki")

    assert 'id="who">suzuki（編集者）' in page


def test_the_shared_password_works_only_until_the_first_account_exists(client, store):
    assert login(client, SHARED).status_code == 302  # a fresh install: the bootstrap
    assert 'id="who">共有パスワード（管理者）' in client.get("/admin/", base_url=HTTPS).get_data(as_text=True)

    store.add_staff("sato", hash_password(PASSWORDS["sato"]), "admin", actor="cli:root")

    assert client.get("/admin/", base_url=HTTPS).status_code == 302  # its session is over
    assert login(client, SHARED).status_code == 401
    assert login(client, PASSWORDS["sato"], name="sato").status_code == 302


def test_a_disabled_account_is_out_at_once_on_every_worker(client, accounts, conversation):
    sign_in(client, "suzuki")
    assert client.get("/admin/", base_url=HTTPS).status_code == 200

    accounts.change_staff("suzuki", "sato", active=False)

    assert client.get("/admin/", base_url=HTTPS).status_code == 302
    assert login(client, PASSWORDS["suzuki"], name="suzuki").status_code == 401


def test_only_an_admin_manages_accounts(client, accounts):
    page = sign_in(client, "tanaka")  # a publisher
    assert "アカウント</a>" not in page
    assert client.get("/admin/staff", base_url=HTTPS).status_code == 403
    refused = client.post("/admin/staff", data={"csrf": csrf(page), "action": "disable", "name": "suzuki"},
                          base_url=HTTPS)
    assert refused.status_code == 403 and accounts.staff_account("suzuki").active


def test_an_admin_adds_and_disables_accounts_in_the_browser_and_the_log_says_who(client, accounts):
    page = sign_in(client, "sato")
    token = csrf(page)
    client.post("/admin/staff", data={"csrf": token, "action": "add", "name": "ito", "role": "editor",
                                      "password": "ito's first password"}, base_url=HTTPS)
    client.post("/admin/staff", data={"csrf": token, "action": "disable", "name": "suzuki"}, base_url=HTTPS)
    short = client.post("/admin/staff", data={"csrf": token, "action": "add", "name": "kato",
                                              "role": "editor", "password": "short"},
                        base_url=HTTPS, follow_redirects=True)

    assert "12文字以上" in short.get_data(as_text=True) and accounts.staff_account("kato") is None
    assert accounts.staff_account("ito").role == "editor" and not accounts.staff_account("suzuki").active
    audit = client.get("/admin/audit", base_url=HTTPS).get_data(as_text=True)
    rows = re.findall(r'<tr data-action="([^"]+)">\s*<td class="muted">[^<]+</td>\s*<td>([^<]+)</td>'
                      r'\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>', audit)
    assert rows[:2] == [
        ("staff.disable", "sato", "アカウント無効化", "suzuki", "編集者、有効", "編集者、無効"),
        ("staff.add", "sato", "アカウント作成", "ito", "—", "編集者、有効")]
    assert "hash" not in audit and "scrypt" not in audit


def test_every_new_form_needs_the_csrf_token(client, accounts):
    sign_in(client, "sato")
    for path, data in [("/admin/note", {"ids": "1", "note": "x"}), ("/admin/undo", {"entry": "1"}),
                       ("/admin/staff", {"action": "disable", "name": "suzuki"})]:
        assert client.post(path, data=data, base_url=HTTPS).status_code == 400
    assert accounts.staff_account("suzuki").active


def test_nothing_is_reachable_without_login(client, accounts):
    for path in ["/admin/", "/admin/audit", "/admin/staff", "/admin/export.csv"]:
        response = client.get(path, base_url=HTTPS)
        assert response.status_code == 302 and response.location.endswith("/admin/login")


def test_the_list_shows_titles_and_what_the_bot_replied_not_ids_and_scores(client, accounts, catalogue):
    title = catalogue.procedure("kaigo-tennyu-nintei").title
    ask(accounts, "介護の手続き 引っ越してきた", kind="procedure", answer="kaigo-tennyu-nintei")
    ask(accounts, "ペンギンの飼い方", candidates=())

    page = sign_in(client, "suzuki")

    row = re.search(r'<tr data-group="[^"]+">.*?介護の手続き.*?</tr>', page, re.S).group(0)
    candidates = re.search(r'<td class="candidates">(.*?)</td>', row, re.S).group(1)
    assert "kaigo-tennyu-nintei（51）" not in page  # the old way: an internal id and a bare score
    assert re.sub(r"<[^>]+>", "", candidates).strip() == title
    replied = re.search(r'<td class="replied">(.*?)</td>', row, re.S).group(1)
    assert replied.startswith(f"手続きを案内（自信が低い）「{title}」")
    assert "わからないと返事（市役所の案内）" in page  # the penguin's


def test_search_and_filters_narrow_the_list_and_fixed_ones_have_a_view(client, accounts):
    gomi = ask(accounts, "粗大ごみの出し方")
    ask(accounts, "住民票 どこ", kind="clarify")
    accounts.review([gomi], "sato", "g", state="fixed")
    sign_in(client, "suzuki")

    def shown(query: str) -> list[str]:
        page = client.get("/admin/" + query, base_url=HTTPS).get_data(as_text=True)
        return re.findall(r"「([^」]+)」<br>", page)

    assert shown("") == ["住民票 どこ"]
    assert shown("?state=fixed") == ["粗大ごみの出し方"]
    assert sorted(shown("?state=all")) == ["住民票 どこ", "粗大ごみの出し方"]
    assert shown("?state=all&q=ごみ") == ["粗大ごみの出し方"]
    assert shown("?state=all&kind=clarify") == ["住民票 どこ"]
    assert shown("?since=2000-01-01&until=2000-01-02") == []


def test_marking_can_be_undone_and_a_fixed_group_put_back(client, accounts):
    ask(accounts, "粗大ごみの出し方")
    page = sign_in(client, "suzuki")
    ids = re.search(r'name="ids" value="([0-9,]+)"', page).group(1)
    key = re.search(r'<tr data-group="([^"]+)"', page).group(1)

    done = client.post("/admin/mark", data={"csrf": csrf(page), "group": key, "ids": ids, "state": "fixed"},
                       base_url=HTTPS, follow_redirects=True).get_data(as_text=True)
    assert "「対応済み」にしました" in done and "未対応の質問はありません" in done
    entry = re.search(r'name="entry" value="(\d+)"', done).group(1)

    undone = client.post("/admin/undo", data={"csrf": csrf(done), "entry": entry}, base_url=HTTPS,
                         follow_redirects=True).get_data(as_text=True)

    assert "元に戻しました（1 件）" in undone and "「粗大ごみの出し方」" in undone
    assert [e.action for e in accounts.audit_log()][:2] == ["unanswered.undo", "unanswered.mark"]
    assert accounts.audit_log()[1].actor == "suzuki"


def test_a_note_is_kept_per_group_and_shown(client, accounts):
    ask(accounts, "粗大ごみの出し方")
    ask(accounts, "粗大ごみの出し方は")
    page = sign_in(client, "suzuki")
    ids = re.search(r'name="ids" value="([0-9,]+)"', page).group(1)
    key = re.search(r'<tr data-group="([^"]+)"', page).group(1)

    after = client.post("/admin/note", data={"csrf": csrf(page), "group": key, "ids": ids,
                                             "note": "環境課に確認中"}, base_url=HTTPS,
                        follow_redirects=True).get_data(as_text=True)

    assert "メモ: 環境課に確認中" in after
    assert {r.note for r in accounts.unanswered()} == {"環境課に確認中"}
    assert {r.state for r in accounts.unanswered()} == {"new"}


def test_the_csv_for_excel_downloads_from_the_page(client, accounts, catalogue):
    ask(accounts, "介護の手続き 引っ越してきた", kind="procedure", answer="kaigo-tennyu-nintei")
    page = sign_in(client, "suzuki")
    link = re.search(r'<a href="([^"]+)" download>Excel用CSV</a>', page).group(1)

    response = client.get(link.replace("&amp;", "&"), base_url=HTTPS)

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    header, row = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    assert header == report.CSV_COLUMNS
    assert row[6] == catalogue.procedure("kaigo-tennyu-nintei").title


def test_on_postgresql_a_staff_login_on_one_instance_and_its_audit_entry_show_on_another(
        postgres_url, conversation, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    settings = Settings(flask_secret_key="k" * 32)
    host_a = bot_client(settings, CatalogueHolder.fixed(conversation))
    host_b = bot_client(settings, CatalogueHolder.fixed(conversation))
    store = host_a.events.store
    assert store.dialect.__class__.__name__ == "PostgreSQL"
    store.add_staff("sato", hash_password(PASSWORDS["sato"]), "admin", actor="cli:root")
    ask(store, "粗大ごみの出し方")
    page = sign_in(host_a, "sato")
    ids = re.search(r'name="ids" value="([0-9,]+)"', page).group(1)
    host_a.post("/admin/mark", data={"csrf": csrf(page), "group": "g", "ids": ids, "state": "fixed"},
                base_url=HTTPS)

    sign_in(host_b, "sato")
    audit = host_b.get("/admin/audit", base_url=HTTPS).get_data(as_text=True)

    assert '<tr data-action="unanswered.mark">' in audit and "未対応 1件" in audit and "対応済み 1件" in audit
