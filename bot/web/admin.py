"""/admin: the staff page. Unanswered questions to review, answered rate per day, most asked.

Registered only when ADMIN_PASSWORD_HASH is set (otherwise /admin is 404). One shared
password, checked against a werkzeug hash (`nakabot admin-hash` makes one); after
LOGIN_FAILURES wrong ones from an address within LOGIN_WINDOW seconds (throttle.py), that address
is refused (429) without checking, until the oldest failure is out of the window. The session
cookie is Secure, HttpOnly and SameSite=Lax (set in create_app) and carries a random
token that the store keeps (hashed) until logout or expiry, so logging out ends the
session for every copy of the cookie; every POST form carries a CSRF token kept in the
session; pages are never cached nor framed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from bot import report
from bot.logs import log_event
from bot.store import LOCAL, STATES, StoreError
from bot.web.context import services
from bot.web.throttle import LOGIN_FAILURES, LOGIN_WINDOW, LoginThrottle

log = logging.getLogger("bot.admin")
admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
CHART_DAYS = 30
GROUPS_SHOWN = 50
__all__ = ["LOGIN_FAILURES", "LOGIN_WINDOW", "LoginThrottle", "admin"]


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
            log_event(log, "admin_csrf_refused", logging.WARNING, path=request.path)
            abort(400, "CSRF token missing or wrong: reload the page")
    if request.endpoint != "admin.login" and not signed_in():
        return redirect(url_for("admin.login"))
    return None


def signed_in() -> bool:
    """The session's token is one the store still holds: logout (any worker's) ends it."""
    token = session.get("admin")
    store = services().events.store
    if not isinstance(token, str) or store is None:
        return False
    try:
        return store.session_alive(token)
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="admin_session", error=str(error))
        return False


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
    throttle = services().login_throttle
    address = request.remote_addr or ""
    wait = throttle.wait(address)
    if wait > 0:
        log_event(log, "admin_login_throttled", logging.WARNING)
        page = render_template("admin_login.html", error="間違いが続いたため、しばらくログインできません。"
                               f"{math.ceil(wait / 60)}分ほど待ってから、もう一度どうぞ。")
        return page, 429, {"Retry-After": str(int(wait) + 1)}
    password = request.form.get("password", "")
    expected = services().settings.admin_password_hash  # set, or this blueprint is not registered
    if expected and check_password_hash(expected, password):
        token = secrets.token_urlsafe(32)
        try:
            store = services().events.store
            if store is None:
                raise StoreError("no store")
            store.start_session(token, current_app.permanent_session_lifetime)
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="admin_login", error=str(error))
            return render_template("admin_login.html", error="記録（データベース）が使えないため、"
                                   "ログインできません。少し待ってから、もう一度どうぞ。"), 503
        session.clear()  # a fresh session (and CSRF token) after login
        session.permanent = True
        session["admin"] = token  # the cookie is signed; the store knows whether it still counts
        log_event(log, "admin_login")
        return redirect(url_for("admin.index"))
    throttle.failed(address)
    log_event(log, "admin_login_failed", logging.WARNING)
    return render_template("admin_login.html", error="パスワードが違います。"), 401


@admin.post("/logout")
def logout() -> Any:
    """End the session in the store, not only in this browser: a copy of the cookie is dead too."""
    token, store = session.get("admin"), services().events.store
    if isinstance(token, str) and store is not None:
        try:
            store.end_session(token)
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="admin_logout", error=str(error))
    session.clear()
    log_event(log, "admin_logout")
    return redirect(url_for("admin.login"))


# strict_slashes=False: /admin is this page too. Werkzeug would otherwise redirect /admin
# to /admin/ with an absolute URL built from the request's Host header, any host at all.
@admin.get("/", strict_slashes=False)
def index() -> Any:
    events = services().events
    catalogue = events.conversation.catalogue
    today = dt.datetime.now(LOCAL).date()
    days = [today - dt.timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    groups: list[report.Group] = []
    rates: list[report.DayRate] = []
    top: list[tuple[str, str, int, tuple[int, int]]] = []
    problem = None
    if events.store is None:
        problem = "記録（データベース）を開けませんでした。ログを確認してください。"
    else:
        try:
            groups = report.group(events.store.unanswered(states=("new",)))
            counts = events.store.counts(since=days[0])
            rates = report.daily_rates(counts, days)
            said = report.verdicts(counts)
            top = [(pid, getattr(catalogue.procedure(pid), "title", pid), n, said.get(pid, (0, 0)))
                   for pid, n in report.top_procedures(counts)]
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="admin", error=str(error))
            problem = "記録を読めませんでした。少し待ってから開き直してください。"
    return render_template("admin_index.html", groups=groups[:GROUPS_SHOWN],
                           hidden=max(0, len(groups) - GROUPS_SHOWN), chart=chart(rates), rates=rates,
                           top=top, problem=problem, labels=LABELS, catalogue_version=catalogue.version)


@admin.post("/mark")
def mark() -> Any:
    key, new_state = request.form.get("group", ""), request.form.get("state", "")
    if new_state not in STATES:
        abort(400)
    store = services().events.store
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
        log_event(log, "store_failed", logging.ERROR, action="admin_mark", error=str(error))
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
