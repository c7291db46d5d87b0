"""/admin: the staff pages. Unanswered questions to review, answered rate per day, the audit log.

Each member of staff logs in with a name and password of their own (bot/accounts.py,
`nakabot staff add`); ADMIN_PASSWORD_HASH, the old shared password, opens it only until the
first account exists. After LOGIN_FAILURES wrong tries from an address within LOGIN_WINDOW
seconds (throttle.py) that address is refused (429) without checking, until the oldest
failure is out of the window. The session cookie is Secure, HttpOnly and SameSite=Lax (set
in create_app) and carries a random token that the store keeps (hashed, with whose it is)
until logout or expiry, so logging out ends the session for every copy of the cookie;
the account is looked up on every request, so a disabled one is out at once. Every POST
form carries a CSRF token kept in the session; pages are never cached nor framed. Every
change goes to the audit log with who made it (shown at /admin/audit).
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import math
import secrets
from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from bot import accounts, report
from bot.logs import log_event
from bot.store import LOCAL, ROLES, STATES, AuditEntry, StaffExists, Store, StoreError
from bot.web.context import services
from bot.web.throttle import LOGIN_FAILURES, LOGIN_WINDOW, LoginThrottle

log = logging.getLogger("bot.admin")
# The static folder is the simulator's: the catalogue preview draws cards with its renderer.
admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates",
                  static_folder="static", static_url_path="/static")
CHART_DAYS = 30
GROUPS_SHOWN = 50
MAX_IDS = 5000  # questions one form may mark at once
__all__ = ["LOGIN_FAILURES", "LOGIN_WINDOW", "LoginThrottle", "admin"]


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


@admin.app_template_global()
def admin_csrf() -> str:
    return csrf_token()


@admin.app_template_global()
def admin_login() -> accounts.Login | None:
    return g.get("staff")


@admin.before_request
def guard() -> Any:
    if request.method == "POST":
        sent = request.form.get("csrf", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            log_event(log, "admin_csrf_refused", logging.WARNING, path=request.path)
            abort(400, "CSRF token missing or wrong: reload the page")
    if request.endpoint == "admin.login":
        return None
    g.staff = signed_in()
    if g.staff is None:
        return redirect(url_for("admin.login"))
    return None


def signed_in() -> accounts.Login | None:
    """Who holds this session: the store still has its token, and the account is still active."""
    token = session.get("admin")
    store = services().events.store
    if not isinstance(token, str) or store is None:
        return None
    try:
        owner = store.session_owner(token)
        return None if owner is None else accounts.current(store, owner[0])
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="admin_session", error=str(error))
        return None


def require(role: str) -> accounts.Login:
    login: accounts.Login | None = g.get("staff")
    if login is None or not accounts.may(login.role, role):
        abort(403)
    return login


def the_store() -> Store:
    store = services().events.store
    if store is None:
        abort(503)
    return store


@admin.after_request
def no_cache(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'"
    return response


def _no_account_yet() -> bool:
    store = services().events.store
    try:
        return store is not None and not services().settings.admin_password_hash \
            and store.active_staff_count() == 0
    except StoreError:
        return False


@admin.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("admin_login.html", no_account=_no_account_yet())
    throttle = services().login_throttle
    address = request.remote_addr or ""
    wait = throttle.wait(address)
    if wait > 0:
        log_event(log, "admin_login_throttled", logging.WARNING)
        page = render_template("admin_login.html", error="間違いが続いたため、しばらくログインできません。"
                               f"{math.ceil(wait / 60)}分ほど待ってから、もう一度どうぞ。")
        return page, 429, {"Retry-After": str(int(wait) + 1)}
    name, password = request.form.get("name", "")[:100], request.form.get("password", "")
    store = services().events.store
    try:
        if store is None:
            raise StoreError("no store")
        who = accounts.authenticate(store, name, password, services().settings.admin_password_hash)
        if who is not None:
            token = secrets.token_urlsafe(32)
            store.start_session(token, current_app.permanent_session_lifetime, staff=who.name)
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="admin_login", error=str(error))
        return render_template("admin_login.html", error="記録（データベース）が使えないため、"
                               "ログインできません。少し待ってから、もう一度どうぞ。"), 503
    if who is not None:
        session.clear()  # a fresh session (and CSRF token) after login
        session.permanent = True
        session["admin"] = token  # the cookie is signed; the store knows whether it still counts
        # No name in the log: who did what is in the store's audit log, not in log files.
        log_event(log, "admin_login", shared=who.name is None)
        return redirect(url_for("admin.index"))
    throttle.failed(address)
    log_event(log, "admin_login_failed", logging.WARNING)
    return render_template("admin_login.html", error="名前かパスワードが違います。"), 401


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


# --- the unanswered questions: search, filters, mark, note, undo, export -----------------------
@dataclass(frozen=True)
class Filters:
    q: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # included
    kind: str = ""  # "" = every kind
    state: str = "new"  # new | fixed | ignored | all

    @classmethod
    def of(cls, values: Any, prefix: str = "") -> Filters:
        """From a page's query arguments, or from a form's hidden fields (prefix "view_")."""
        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(values.get(prefix + name, ""))
            except ValueError:
                return None
        kind = values.get(prefix + "kind", "")
        state = values.get(prefix + "state", "new")
        return cls(q=values.get(prefix + "q", "")[:100], since=day("since"), until=day("until"),
                   kind=kind if kind in report.KIND_LABELS else "",
                   state=state if state in (*STATES, "all") else "new")

    def args(self) -> dict[str, str]:
        """As query arguments, the empty ones left out."""
        values = {"q": self.q, "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "", "kind": self.kind,
                  "state": "" if self.state == "new" else self.state}
        return {k: v for k, v in values.items() if v}

    def groups(self, store: Store) -> list[report.Group]:
        since = report.day_start(self.since) if self.since else None
        until = report.day_start(self.until + dt.timedelta(days=1)) if self.until else None
        rows = store.unanswered(since, until, states=() if self.state == "all" else (self.state,))
        return report.group([r for r in rows if report.matches(r, self.q, self.kind)])


def title_of(item: str | None) -> str:
    """A procedure's or intent's title for staff; the id only when the catalogue has no such entry."""
    if not item:
        return ""
    catalogue = services().events.conversation.catalogue
    found = catalogue.procedure(item) or catalogue.intent(item)
    return found.title if found is not None else item


@admin.get("/", strict_slashes=False)
def index() -> Any:
    # strict_slashes=False: /admin is this page too. Werkzeug would otherwise redirect /admin
    # to /admin/ with an absolute URL built from the request's Host header, any host at all.
    events = services().events
    catalogue = events.conversation.catalogue
    filters = Filters.of(request.args)
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
            groups = filters.groups(events.store)
            counts = events.store.counts(since=days[0])
            rates = report.daily_rates(counts, days)
            said = report.verdicts(counts)
            top = [(pid, title_of(pid), n, said.get(pid, (0, 0))) for pid, n in report.top_procedures(counts)]
        except StoreError as error:
            log_event(log, "store_failed", logging.ERROR, action="admin", error=str(error))
            problem = "記録を読めませんでした。少し待ってから開き直してください。"
    return render_template("admin_index.html", groups=groups[:GROUPS_SHOWN],
                           hidden=max(0, len(groups) - GROUPS_SHOWN), chart=chart(rates), rates=rates,
                           top=top, problem=problem, labels=LABELS, kinds=report.KIND_LABELS,
                           title_of=title_of, filters=filters, catalogue_version=catalogue.version)


def _ids() -> list[int]:
    ids = [int(part) for part in request.form.get("ids", "").split(",") if part.strip().isdigit()]
    if not ids or len(ids) > MAX_IDS:
        abort(400)
    return ids


def _back() -> Any:
    args: dict[str, Any] = Filters.of(request.form, prefix="view_").args()
    return redirect(url_for("admin.index", **args))


@admin.post("/mark")
def mark() -> Any:
    """Mark the questions the form showed (their ids, not the key: nothing staff did not see)."""
    key, new_state = request.form.get("group", "")[:20], request.form.get("state", "")
    if new_state not in STATES:
        abort(400)
    store = the_store()
    try:
        if request.form.get("ids"):
            ids = _ids()
        else:  # a key alone: the group among the questions still new
            found = report.find(report.group(store.unanswered(states=("new",))), key)
            ids = list(found.ids) if found is not None else []
        changed, entry = store.review(ids, g.staff.actor, key, state=new_state) if ids else (0, None)
        if not changed:
            flash("そのグループは見つかりませんでした（ほかの人が先に処理したかもしれません）。")
        else:
            flash(f"{changed} 件を「{LABELS[new_state]}」にしました（{key}）。", f"undo:{entry}")
    except StoreError as error:
        _not_saved("admin_mark", error)
    return _back()


def _not_saved(action: str, error: StoreError) -> None:
    """A change staff asked for that the store could not take: logged, and said to them."""
    log_event(log, "store_failed", logging.ERROR, action=action, error=str(error))
    flash("保存できませんでした。少し待ってからもう一度どうぞ。")


@admin.post("/note")
def note() -> Any:
    key, text = request.form.get("group", "")[:20], request.form.get("note", "").strip()[:500]
    try:
        changed, entry = the_store().review(_ids(), g.staff.actor, key, note=text)
        flash(f"メモを保存しました（{key}）。" if changed else "そのグループは見つかりませんでした。",
              f"undo:{entry}" if entry else "message")
    except StoreError as error:
        _not_saved("admin_note", error)
    return _back()


@admin.post("/undo")
def undo() -> Any:
    entry = request.form.get("entry", "")
    if not entry.isdigit():
        abort(400)
    try:
        restored = the_store().undo_review(int(entry), g.staff.actor)
        flash(f"元に戻しました（{restored} 件）。" if restored else "元に戻せるものがありませんでした。")
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="admin_undo", error=str(error))
        flash("元に戻せませんでした。少し待ってからもう一度どうぞ。")
    return _back()


@admin.get("/export.csv")
def export() -> Any:
    """The groups as filtered on the page, for Excel on Japanese Windows (report.as_csv)."""
    filters = Filters.of(request.args)
    try:
        groups = filters.groups(the_store())
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="admin_export", error=str(error))
        abort(503)
    name = f"unanswered-{dt.datetime.now(LOCAL):%Y%m%d}.csv"
    return Response(report.as_csv(groups, title_of).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


LABELS = {"new": "未対応", "fixed": "対応済み", "ignored": "対象外"}


# --- the audit log and the accounts ------------------------------------------------------------
ACTIONS = {"staff.add": "アカウント作成", "staff.passwd": "パスワード変更",
           "staff.disable": "アカウント無効化", "staff.change": "アカウント変更",
           "unanswered.mark": "質問の状態", "unanswered.note": "質問のメモ", "unanswered.undo": "元に戻す",
           "catalogue.draft": "下書きの保存", "catalogue.discard": "下書きの取り消し",
           "catalogue.publish": "公開", "catalogue.rollback": "前の版に戻す（公開）"}


def summary(value: Any) -> str:
    """Before or after of an audit entry, as staff read it."""
    if value is None:
        return "—"
    if isinstance(value, dict) and "rows" in value:  # the questions before a review
        states = Counter(LABELS.get(state, state) for _, state, _ in value["rows"])
        notes = {note for *_, note in value["rows"] if note}
        text = "、".join(f"{s} {n}件" for s, n in states.items())
        return text + (f"、メモ「{' / '.join(sorted(notes))}」" if notes else "")
    if isinstance(value, dict):
        parts: list[str] = []
        if value.get("state"):
            parts.append(f"{LABELS.get(value['state'], value['state'])} {value.get('count', '')}件")
        if value.get("note") is not None:
            parts.append(f"メモ「{value['note']}」")
            if "files" in value:
                parts.append(f"{len(value['files'])} ファイル")
        if "undone" in value:
            parts.append(f"記録 {value['undone']} を取り消し（{value.get('count', 0)}件）")
        if "role" in value:
            parts.append(str(accounts.ROLE_LABELS.get(value["role"], value["role"])))
        if "active" in value:
            parts.append("有効" if value["active"] else "無効")
        if "password" in value:
            parts.append(f"パスワード{value['password']}")
        if "version" in value:
            parts.append(f"版 {value['version']}")
        if value.get("note") is None and "files" in value:
            files = value["files"]
            parts.append(f"{len(files) if isinstance(files, list) else files} ファイル")
        if value.get("fixed"):
            parts.append(f"対応済み {value['fixed']} 件")
        if "text" in value:
            text = value["text"]
            parts.append("（なし）" if text is None else f"{len(text.splitlines())} 行")
        return "、".join(parts) or "—"
    return str(value)


@admin.get("/audit")
def audit() -> Any:
    entries: list[AuditEntry] = []
    problem = None
    try:
        entries = the_store().audit_log(limit=300)
    except StoreError as error:
        log_event(log, "store_failed", logging.ERROR, action="admin_audit", error=str(error))
        problem = "記録を読めませんでした。少し待ってから開き直してください。"
    return render_template("admin_audit.html", entries=entries, actions=ACTIONS, summary=summary,
                           local_time=report.local_time, problem=problem)


@admin.get("/staff")
def staff() -> Any:
    require("admin")
    return render_template("admin_staff.html", accounts=the_store().staff_accounts(), roles=ROLES,
                           role_labels=accounts.ROLE_LABELS, local_time=report.local_time)


@admin.post("/staff")
def staff_change() -> Any:
    """Add an account, or disable one (admins only; the first admin comes from `nakabot staff add`)."""
    who = require("admin")
    store = the_store()
    name = request.form.get("name", "").strip()
    try:
        if request.form.get("action") == "disable":
            if name == who.name:
                flash("自分のアカウントは無効にできません。")
            else:
                store.change_staff(name, who.actor, active=False)
                flash(f"{name} を無効にしました。")
        else:
            role, password = request.form.get("role", ""), request.form.get("password", "")
            problem = (accounts.name_problem(name) or accounts.password_problem(password)
                       or (None if role in ROLES else "役割を選んでください。"))
            if problem:
                flash(problem)
            else:
                store.add_staff(name, accounts.hash_password(password), role, who.actor)
                flash(f"{name} を{accounts.ROLE_LABELS[role]}として作りました。")
    except StaffExists:
        flash(f"{name}: その名前のアカウントはすでにあります。")
    except StoreError as error:
        _not_saved("admin_staff", error)
    return redirect(url_for("admin.staff"))


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
