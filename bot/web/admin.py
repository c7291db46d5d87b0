"""/admin: the staff page. Unanswered questions to review, answered rate per day, most asked.

Registered only when ADMIN_PASSWORD_HASH is set (otherwise /admin is 404). One shared
password, checked against a werkzeug hash (`nakabot admin-hash` makes one); after
LOGIN_FAILURES wrong ones from an address within LOGIN_WINDOW seconds, that address
is refused (429) without checking, until the oldest failure is out of the window. The session
cookie is Secure, HttpOnly and SameSite=Lax (set in create_app); every POST form carries
a CSRF token kept in the session; pages are never cached nor framed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from bot import report
from bot.store import LOCAL, STATES, StoreError
from bot.web import state

log = logging.getLogger("bot.admin")
admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
CHART_DAYS = 30
GROUPS_SHOWN = 50
LOGIN_FAILURES = 5
LOGIN_WINDOW = 300.0  # seconds


class LoginThrottle:
    """Wrong passwords per client address, forgotten after LOGIN_WINDOW seconds.

    Refusing at once (no hash, no sleep) matters as much as slowing a guesser: each
    check costs ~0.16 s of scrypt CPU, and a sleep would hold one of the few request
    threads that LINE's webhooks need. Per process: with N workers an address gets at
    most N x LOGIN_FAILURES tries per window. Behind a reverse proxy the address is the
    client's only with NAKABOT_PROXIES set; otherwise it is the proxy's, and a guesser
    locks staff out for the window too (the bot is unaffected; `nakabot report` works).
    """

    MAX_ADDRESSES = 4096  # memory stays bounded whatever addresses come

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # request threads share it

    def wait(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it may now."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < LOGIN_FAILURES:
                return 0.0
            return recent[0] + LOGIN_WINDOW - self.clock()

    def failed(self, address: str) -> None:
        with self._lock:
            if address not in self._failures and len(self._failures) >= self.MAX_ADDRESSES:
                for stale in [a for a in self._failures if not self._recent(a)]:
                    del self._failures[stale]
                if len(self._failures) >= self.MAX_ADDRESSES:
                    del self._failures[next(iter(self._failures))]  # the address first seen
            self._failures.setdefault(address, deque(maxlen=LOGIN_FAILURES)).append(self.clock())

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.get(address, deque())
        while recent and recent[0] <= self.clock() - LOGIN_WINDOW:
            recent.popleft()
        return recent


@admin.record_once
def _create_throttle(setup: Any) -> None:
    setup.app.extensions["admin_login_throttle"] = LoginThrottle()


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


@admin.app_template_global()
def admin_csrf() -> str:
    return csrf_token()


@admin.before_request
def guard() -> Any:
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            log.warning(json.dumps({"event": "admin_csrf_refused", "path": request.path}))
            abort(400, "CSRF token missing or wrong: reload the page")
    if request.endpoint != "admin.login" and not session.get("admin"):
        return redirect(url_for("admin.login"))
    return None


@admin.after_request
def no_cache(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'"
    return response


@admin.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("admin_login.html")
    throttle: LoginThrottle = current_app.extensions["admin_login_throttle"]
    address = request.remote_addr or ""
    wait = throttle.wait(address)
    if wait > 0:
        log.warning(json.dumps({"event": "admin_login_throttled"}))
        page = render_template("admin_login.html", error="間違いが続いたため、しばらくログインできません。"
                               f"{math.ceil(wait / 60)}分ほど待ってから、もう一度どうぞ。")
        return page, 429, {"Retry-After": str(int(wait) + 1)}
    password = request.form.get("password", "")
    if check_password_hash(state().settings.admin_password_hash, password):
        session.clear()  # a fresh session (and CSRF token) after login
        session.permanent = True
        session["admin"] = True
        log.info(json.dumps({"event": "admin_login"}))
        return redirect(url_for("admin.index"))
    throttle.failed(address)
    log.warning(json.dumps({"event": "admin_login_failed"}))
    return render_template("admin_login.html", error="パスワードが違います。"), 401


@admin.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("admin.login"))


@admin.get("/")
def index() -> Any:
    shared = state()
    catalogue = shared.conversation.catalogue
    today = dt.datetime.now(LOCAL).date()
    days = [today - dt.timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    groups: list[report.Group] = []
    rates: list[report.DayRate] = []
    top: list[tuple[str, str, int, tuple[int, int]]] = []
    problem = None
    if shared.store is None:
        problem = "記録（データベース）を開けませんでした。ログを確認してください。"
    else:
        try:
            groups = report.group(shared.store.unanswered(states=("new",)))
            counts = shared.store.counts(since=days[0])
            rates = report.daily_rates(counts, days)
            said = report.verdicts(counts)
            top = [(pid, getattr(catalogue.procedure(pid), "title", pid), n, said.get(pid, (0, 0)))
                   for pid, n in report.top_procedures(counts)]
        except StoreError as error:
            log.error(json.dumps({"event": "store_failed", "action": "admin", "error": str(error)}))
            problem = "記録を読めませんでした。少し待ってから開き直してください。"
    return render_template("admin_index.html", groups=groups[:GROUPS_SHOWN],
                           hidden=max(0, len(groups) - GROUPS_SHOWN), chart=chart(rates), rates=rates,
                           top=top, problem=problem, labels=LABELS, catalogue_version=catalogue.version)


@admin.post("/mark")
def mark() -> Any:
    key, new_state = request.form.get("group", ""), request.form.get("state", "")
    if new_state not in STATES:
        abort(400)
    store = state().store
    if store is None:
        abort(503)
    try:
        found = report.find(report.group(store.unanswered(states=("new",))), key)
        if found is None:
            flash("そのグループは見つかりませんでした（ほかの人が先に処理したかもしれません）。")
        else:
            store.mark(found.ids, new_state, request.form.get("note") or None)
            flash(f"「{found.examples[0]}」など {found.count} 件を「{LABELS[new_state]}」にしました。")
    except StoreError as error:
        log.error(json.dumps({"event": "store_failed", "action": "admin_mark", "error": str(error)}))
        flash("保存できませんでした。少し待ってからもう一度どうぞ。")
    return redirect(url_for("admin.index"))


LABELS = {"new": "未対応", "fixed": "対応済み", "ignored": "対象外"}


# --- the chart: server-rendered SVG, no script ---------------------------------------------
@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    title: str  # the tooltip and the accessible text


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_width: float
    plot_height: float
    bar_width: float
    bars: tuple[Bar, ...]
    empty_days: tuple[float, ...]  # x of the days with no question at all
    ticks: tuple[tuple[float, str], ...]  # y, "50%"
    labels: tuple[tuple[float, str], ...]  # x, "11/30"
    summary: str


def chart(rates: list[report.DayRate], width: int = 720, height: int = 240) -> Chart:
    """The answered rate per day as bars (0-100 %), with a tooltip per day."""
    left, top, bottom, right = 44, 12, 28, 8
    plot_width, plot_height = width - left - right, height - top - bottom
    slot = plot_width / max(1, len(rates))
    bars, empty, labels = [], [], []
    for n, day in enumerate(rates):
        x = left + n * slot
        short = f"{int(day.day[5:7])}/{int(day.day[8:10])}"
        if n % 5 == 0 or n == len(rates) - 1:
            labels.append((x + slot / 2, short))
        if day.rate is None:
            empty.append(x + slot / 2)
            continue
        bar_height = max(1.0, day.rate * plot_height)
        bars.append(Bar(x + slot * 0.15, top + plot_height - bar_height, bar_height,
                        f"{short}: 回答 {day.answered} / 質問 {day.asked}（{day.rate:.0%}）"
                        f" 聞き返し {day.clarify}・答えられず {day.fallback}"))
    asked = sum(d.asked for d in rates)
    answered = sum(d.answered for d in rates)
    summary = (f"直近{len(rates)}日: 質問 {asked} 件のうち {answered} 件に回答（{answered / asked:.0%}）"
               if asked else f"直近{len(rates)}日: まだ質問の記録がありません")
    ticks = tuple((top + plot_height * (1 - share), f"{share:.0%}") for share in (0, 0.5, 1))
    return Chart(width, height, left, top, plot_width, plot_height, slot * 0.7, tuple(bars),
                 tuple(empty), ticks, tuple(labels), summary)
