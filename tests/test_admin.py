"""/admin: off unless a password hash is set; login, CSRF, secure cookies, and what staff see."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import BotClient, bot_client
from werkzeug.security import generate_password_hash

from bot.config import Settings
from bot.reloader import CatalogueHolder
from bot.web import create_app
from bot.web.throttle import LoginThrottle

PASSWORD = "correct horse battery staple"
HTTPS = "https://bot.example"  # the session cookie is Secure: sent over HTTPS only


@pytest.fixture(scope="module")
def password_hash() -> str:
    return generate_password_hash(PASSWORD)


@pytest.fixture
def throttle() -> LoginThrottle:
    return LoginThrottle()


@pytest.fixture
def staff(conversation, password_hash, throttle) -> BotClient:
    settings = Settings(admin_password_hash=password_hash, flask_secret_key="k" * 32)
    return bot_client(settings, CatalogueHolder.fixed(conversation), login_throttle=throttle)


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def login(client, password: str = PASSWORD, name: str = ""):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/admin/login", base_url=HTTPS).get_data(as_text=True))
    return client.post("/admin/login", data={"csrf": token, "name": name, "password": password},
                       base_url=HTTPS)


def test_without_an_account_or_a_shared_password_nothing_opens_admin(conversation):
    client = bot_client(Settings(flask_secret_key="k" * 32), CatalogueHolder.fixed(conversation))

    page = client.get("/admin/login", base_url=HTTPS).get_data(as_text=True)

    assert "nakabot staff add 名前 --role admin" in page  # how to make the first admin
    assert login(client, "").status_code == 401 and login(client, "anything at all").status_code == 401
    assert client.get("/admin/", base_url=HTTPS).status_code == 302


def test_pages_need_a_login(staff):
    response = staff.get("/admin/", base_url=HTTPS)
    assert response.status_code == 302 and response.location.endswith("/admin/login")


def test_a_wrong_password_is_refused(staff):
    response = login(staff, "guess")
    assert response.status_code == 401
    assert "名前かパスワードが違います" in response.get_data(as_text=True)
    assert staff.get("/admin/", base_url=HTTPS).status_code == 302


def test_after_five_wrong_passwords_an_address_waits_five_minutes(staff, throttle, monkeypatch):
    now = [1000.0]
    throttle.clock = lambda: now[0]
    assert [login(staff, f"guess {n}").status_code for n in range(5)] == [401] * 5
    checked = []
    monkeypatch.setattr("bot.accounts.check_password_hash", lambda *a: checked.append(a) or True)

    refused = login(staff)  # even the right password: not checked at all
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "301"
    assert "しばらくログインできません" in refused.get_data(as_text=True) and checked == []

    now[0] += 300.0  # the first failure leaves the window
    assert login(staff).status_code == 302 and len(checked) == 1


@pytest.mark.parametrize(("proxies", "separate"), [(0, False), (1, True)])
def test_behind_a_proxy_each_client_has_its_own_tries(conversation, password_hash, proxies, separate):
    settings = Settings(admin_password_hash=password_hash, flask_secret_key="k" * 32, proxies=proxies)
    staff = create_app(settings, conversation).test_client()

    def login_from(address: str, password: str) -> int:
        staff.environ_base["HTTP_X_FORWARDED_FOR"] = address
        return login(staff, password).status_code

    assert [login_from("198.51.100.7", "guess") for _ in range(5)] == [401] * 5
    # Without a proxy the header is the client's own claim: it must not buy new tries.
    assert login_from("203.0.113.9", PASSWORD) == (302 if separate else 429)


def test_the_throttle_keeps_a_bounded_table_of_addresses():
    throttle = LoginThrottle(clock=lambda: 0.0)
    throttle.MAX_ADDRESSES = 3
    for address in ["a", "b", "c", "d"]:
        throttle.failed(address)
    assert len(throttle._failures) == 3 and "a" not in throttle._failures


def test_login_sets_a_secure_httponly_samesite_cookie(staff):
    response = login(staff)

    assert response.status_code == 302 and response.location.endswith("/admin/")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = staff.get("/admin/", base_url=HTTPS)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store" and page.headers["X-Frame-Options"] == "DENY"


def test_logout_ends_the_session_for_every_copy_of_the_cookie(staff):
    login(staff)
    stolen = staff.get_cookie("session", domain="bot.example").value  # e.g. copied off a shared PC
    page = staff.get("/admin/", base_url=HTTPS).get_data(as_text=True)

    assert staff.post("/admin/logout", data={"csrf": csrf(page)}, base_url=HTTPS).status_code == 302

    other = staff.application.test_client()
    other.set_cookie("session", stolen, domain="bot.example", secure=True)
    replay = other.get("/admin/", base_url=HTTPS)
    assert replay.status_code == 302 and replay.location.endswith("/admin/login")  # was 200 for 8 hours


def test_another_workers_logout_counts_too(staff, conversation, password_hash):
    # A second app on the same store: another gunicorn worker, or another instance.
    login(staff)
    cookie = staff.get_cookie("session", domain="bot.example").value
    worker_b = bot_client(Settings(admin_password_hash=password_hash, flask_secret_key="k" * 32),
                          CatalogueHolder.fixed(conversation))
    worker_b.set_cookie("session", cookie, domain="bot.example", secure=True)
    page = worker_b.get("/admin/", base_url=HTTPS)
    assert page.status_code == 200

    worker_b.post("/admin/logout", data={"csrf": csrf(page.get_data(as_text=True))}, base_url=HTTPS)

    assert staff.get("/admin/", base_url=HTTPS).status_code == 302


@pytest.mark.parametrize("path", ["/admin", "/admin/"])
def test_a_foreign_host_header_is_never_where_admin_redirects(staff, path):
    response = staff.get(path, base_url=HTTPS, headers={"Host": "evil.example"})

    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]  # was 308 to https://evil.example/admin/
    assert response.headers["Location"] == "/admin/login"


def test_every_post_needs_the_csrf_token(staff):
    assert staff.post("/admin/login", data={"password": PASSWORD}, base_url=HTTPS).status_code == 400
    login(staff)
    assert staff.post("/admin/mark", data={"group": "g000000", "state": "fixed"},
                      base_url=HTTPS).status_code == 400
    assert staff.post("/admin/mark", data={"group": "g000000", "state": "fixed", "csrf": "forged"},
                      base_url=HTTPS).status_code == 400
    assert staff.post("/admin/logout", base_url=HTTPS).status_code == 400


def test_staff_see_the_groups_the_chart_and_the_most_asked(staff):
    store = staff.events.store
    for text in ("粗大ごみの出し方", "粗大ごみの出し方", "ペンギンの飼い方"):
        store.record_unanswered(text=text, normalized=text, candidates=[("gomi", 40.0)], kind="fallback",
                                answer_id=None, score=40.0, resident="k")
    for kind, target in [("procedure", "juminhyo")] * 3 + [("tap", "juminhyo"), ("fallback", None)]:
        store.count(kind, target)
    for verdict in ("helpful", "helpful", "unhelpful"):
        store.count(verdict, "juminhyo")
    store.record_unanswered(text="住民票 土日", normalized="住民票土日", candidates=[("juminhyo", 0.0)],
                            kind="unhelpful", answer_id="juminhyo", score=0.0, resident="k")
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    store.count("procedure", "inkan-touroku", at=yesterday)
    login(staff)

    page = staff.get("/admin/", base_url=HTTPS).get_data(as_text=True)

    assert "「粗大ごみの出し方」" in page and "「ペンギンの飼い方」" in page
    assert page.count('<rect class="bar"') == 2  # today and yesterday
    assert "回答 3 / 質問 4（75%）" in page  # today's bar's title
    assert "住民票を取る" in page  # top procedures, by (plain) title
    assert re.search(r"住民票を取る.*?<td class=\"num\">4</td>", page, re.S)  # 3 asked + 1 tapped
    # ... with 役に立った 2 and 役に立たなかった 1; that question waits beside the unanswered
    assert re.search(r"住民票を取る.*?4</td><td class=\"num\">2</td><td class=\"num\">1</td>", page, re.S)
    assert "「住民票 土日」" in page and "「役に立たなかった」1件" in page
    assert "<script" not in page


def test_marking_a_group_from_the_page_hides_it(staff):
    store = staff.events.store
    store.record_unanswered(text="粗大ごみの出し方", normalized="粗大ごみの出し方", candidates=[],
                            kind="fallback", answer_id=None, score=20.0, resident="k")
    login(staff)
    page = staff.get("/admin/", base_url=HTTPS).get_data(as_text=True)
    key = re.search(r'name="group" value="(g[0-9a-f]+)"', page).group(1)

    done = staff.post("/admin/mark", data={"csrf": csrf(page), "group": key, "state": "ignored"},
                      base_url=HTTPS, follow_redirects=True).get_data(as_text=True)

    assert "対象外" in done and "未対応の質問はありません" in done
    assert [r.state for r in store.unanswered(states=())] == ["ignored"]


@pytest.mark.parametrize("path", ["/healthz", "/admin/login", "/callback"])
def test_every_response_says_nosniff_and_no_referrer_and_hsts_only_over_https(staff, path):
    secure = staff.get(path, base_url=HTTPS)
    plain = staff.get(path, base_url="http://127.0.0.1")

    for response in (secure, plain):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain.headers


def test_behind_a_proxy_hsts_follows_the_forwarded_scheme(conversation, password_hash):
    settings = Settings(admin_password_hash=password_hash, flask_secret_key="k" * 32, proxies=1)
    client = bot_client(settings, CatalogueHolder.fixed(conversation))

    over_https = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    over_http = client.get("/healthz", headers={"X-Forwarded-Proto": "http"})

    assert "Strict-Transport-Security" in over_https.headers
    assert "Strict-Transport-Security" not in over_http.headers
