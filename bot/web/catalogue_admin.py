"""/admin/catalogue: staff edit the catalogue in the browser, preview it, publish it everywhere.

Routes on the admin blueprint (so its login guard, CSRF check and headers apply):
- /admin/catalogue: the files, the shared draft, the published versions;
- /admin/catalogue/edit?path=…: one file as a YAML text area; saving puts it into the draft,
  never live; the whole draft tree is checked (the same checks as `nakabot check`) and each
  problem is shown next to its line, in Japanese;
- /admin/catalogue/preview: the draft's cards as LINE draws them (the simulator's renderer)
  and the known questions (non-blind eval sets) it would answer differently; the published
  catalogue's answers to them are worked out in the background as soon as staff open the
  catalogue or a file (published_answers_ahead), so the preview waits only for the draft's;
- /admin/catalogue/publish (publisher, admin): a clean draft becomes the new version in the
  store; every instance picks it up within its reload interval (bot/reloader.py);
- /admin/catalogue/history?path=…: the versions that changed a file, with the diff, and a
  rollback (publishing the old text again, audited);
- /admin/catalogue/example: an unanswered question added as an example to a draft file;
  publishing marks its group fixed;
- /admin/facts: the unconfirmed facts, most needed first.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from functools import cache
from pathlib import Path
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from bot import content, preview, report, versions
from bot.catalogue import Catalogue
from bot.logs import log_event
from bot.store import LOCAL, DraftFile, PublishConflict, Store, StoreError
from bot.web.admin import admin, require, the_store
from bot.web.context import services

log = logging.getLogger("bot.admin")
MAX_TEXT = versions.MAX_FILE_CHARS
NEEDS_DAYS = 30
NAMED_FILES = {
    "procedures/city.yaml": "市の基本情報（名前・住所・代表電話）",
    "procedures/categories.yaml": "分類の一覧（メニューの分類と順番）",
    "procedures/facets.yaml": "質問の観点（手数料・期限など）",
    "procedures/facts/sections.yaml": "市の事実：担当課と電話",
    "procedures/facts/counters.yaml": "市の事実：窓口と受付時間",
    "procedures/facts/fees.yaml": "市の事実：手数料",
    "intents/synonyms.yaml": "言いかえ（同じ意味のことば）",
    "intents/texts.yaml": "決まった文（あいさつ・わからないとき）",
    "intents/english.yaml": "英語の決まった文（外国の方へ）",
}
GROUPS = (("facts", "市の事実（1か所に書けば、使うすべての手続きに出ます）"),
          ("lists", "分類・言いかえ・決まった文"), ("procedures", "手続き"),
          ("intents", "会話・対象外の案内"))


def _root() -> Path:
    return services().settings.catalogue_root


def _published_catalogue() -> Catalogue:
    return services().events.conversation.catalogue


def label_of(path: str, catalogue: Catalogue | None = None) -> str:
    """A file as staff know it: its title, or what the file holds."""
    if path in NAMED_FILES:
        return NAMED_FILES[path]
    catalogue = catalogue or _published_catalogue()
    for procedure in catalogue.procedures:
        if procedure.path == path:
            return procedure.title
    for intent in catalogue.intents:
        if intent.path == path:
            return intent.title
    return path


def has_form(path: str) -> bool:
    """A procedure's or an intent's file: its one-line fields get a form of their own."""
    return group_of(path) in ("procedures", "intents")


def group_of(path: str) -> str:
    if path.startswith("procedures/facts/"):
        return "facts"
    if path in NAMED_FILES:
        return "lists"
    return "procedures" if path.startswith("procedures/") else "intents"


def _state(store: Store) -> tuple[dict[str, str], dict[str, str], int | None, dict[str, DraftFile]]:
    draft = store.draft()
    base, version_id = versions.published(store, _root())
    return base, versions.overlay(base, {p: d.text for p, d in draft.items()}), version_id, draft


def _file_asked() -> str:
    """The catalogue file a page is about (?path=...), or 404 for anything else."""
    path = (request.values.get("path") or "")[:300]
    if not versions.valid_path(path):
        abort(404)
    return path


def _failed(action: str, error: StoreError) -> Any:
    log_event(log, "store_failed", logging.ERROR, action=action, error=str(error))
    flash("記録（データベース）が使えませんでした。少し待ってからもう一度どうぞ。")
    return redirect(url_for("admin.catalogue_index"))


@admin.app_template_global()
def example_targets() -> dict[str, tuple[str, str]]:
    """Where an unanswered question may go as an example: id -> (form value, title)."""
    catalogue = _published_catalogue()
    targets = {p.id: (f"procedure:{p.id}", p.title) for p in catalogue.procedures}
    targets.update({i.id: (f"intent:{i.id}", f"{i.title}（会話）") for i in catalogue.intents
                    if i.id not in targets})
    return targets


@cache  # repository files, unchanged while the process runs: read once, not at every page
def _known_cases() -> list[dict[str, Any]]:
    data = content.REPO_ROOT / "tests" / "data"
    return preview.eval_cases(data) if data.is_dir() else []


# The pages staff pass through on the way to the preview (where its link is, and the editor).
AHEAD_OF_PREVIEW = frozenset({"admin.catalogue_index", "admin.catalogue_edit"})


@admin.before_request
def published_answers_ahead() -> None:
    """Start working out what the published catalogue answers to the known questions, in a
    background thread, once per catalogue version: a preview then finds them ready. Only
    where staff signed in are on their way to a preview (admin.guard runs first), so a
    process that only answers residents never spends the CPU on it."""
    if request.endpoint in AHEAD_OF_PREVIEW and g.get("staff") is not None:
        preview.ahead(services().events.conversation, _known_cases())


@admin.get("/catalogue")
def catalogue_index() -> Any:
    store = the_store()
    try:
        base, tree, version_id, draft = _state(store)
        published = store.catalogue_versions(limit=20)
        fixes = store.draft_fixes()
    except StoreError as error:
        return _failed("catalogue_index", error)
    checked = preview.checked(tree) if draft else None
    files: dict[str, list[tuple[str, str]]] = {key: [] for key, _ in GROUPS}
    catalogue = _published_catalogue()
    for path in sorted(tree):
        files[group_of(path)].append((path, label_of(path, catalogue)))
    return render_template("admin_catalogue.html", groups=GROUPS, files=files, draft=draft,
                           version_id=version_id, versions=published, checked=checked, fixes=fixes,
                           local_time=report.local_time, label_of=label_of, base=base)


@admin.route("/catalogue/edit", methods=["GET", "POST"])
def catalogue_edit() -> Any:
    path = _file_asked()
    store = the_store()
    try:
        base, tree, version_id, draft = _state(store)
    except StoreError as error:
        return _failed("catalogue_edit", error)
    if request.method == "POST":
        if request.form.get("mode") == "fields" and path in tree:  # the form, one input per field
            current = versions.form_fields(tree[path])
            text = versions.set_form_fields(tree[path], {name: request.form.get(name, value)[:500]
                                                         for name, value in current.items()})
        else:
            text = request.form.get("text", "")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if len(text) > MAX_TEXT:
            abort(413)
        if text and not text.endswith("\n"):
            text += "\n"
        try:
            if text == base.get(path) and path in draft:
                store.discard_draft(g.staff.actor, path)
                flash("公開中の内容と同じになったので、下書きから外しました。")
            elif text != tree.get(path):
                store.save_draft(path, text, g.staff.actor, before=tree.get(path))
                tree = {**tree, path: text}
                problems = [p for p in preview.checked(tree).errors]
                flash("下書きを保存しました（まだ公開されていません）。" +
                      (f"エラーが {len(problems)} 件あります。直すまで公開できません。" if problems
                       else "エラーはありません。「公開の前に確認」で見てください。"))
                for unreviewed in versions.unreviewed_fills(base.get(path), text):
                    flash(unreviewed)
            else:
                flash("変更はありませんでした。")
        except StoreError as error:
            return _failed("catalogue_save", error)
        return redirect(url_for("admin.catalogue_edit", path=path))
    if path not in tree:
        abort(404)
    report_ = preview.checked(tree)
    mine = [p for p in report_.problems if p.path == path]
    by_line: dict[int, list[Any]] = {}
    for problem in mine:
        by_line.setdefault(problem.line, []).append(problem)
    elsewhere = sorted({p.path for p in report_.errors if p.path != path})
    fields = versions.form_fields(tree[path]) if has_form(path) else {}
    field_problems = {name: [p for p in mine
                             if p.field == name or p.field.startswith((f"{name}.", f"{name}["))]
                      for name in fields}
    return render_template("admin_catalogue_edit.html", path=path, label=label_of(path),
                           text=tree[path], lines=tree[path].splitlines(), by_line=by_line,
                           problems=mine, errors=[p for p in mine if p.severity == "error"],
                           elsewhere=elsewhere, in_draft=draft.get(path), version_id=version_id,
                           fields=fields, field_labels=versions.FORM_FIELDS, field_problems=field_problems,
                           local_time=report.local_time, label_of=label_of)


@admin.post("/catalogue/discard")
def catalogue_discard() -> Any:
    path = request.form.get("path") or None
    if path is not None and not versions.valid_path(path):
        abort(400)
    try:
        count = the_store().discard_draft(g.staff.actor, path)
    except StoreError as error:
        return _failed("catalogue_discard", error)
    flash(f"下書きを取り消しました（{count} ファイル）。")
    return redirect(url_for("admin.catalogue_index"))


@admin.get("/catalogue/preview")
def catalogue_preview() -> Any:
    store = the_store()
    try:
        base, tree, version_id, draft = _state(store)
    except StoreError as error:
        return _failed("catalogue_preview", error)
    checked = preview.checked(tree)
    cards: list[preview.Card] = []
    differences: list[preview.Difference] = []
    cases = _known_cases()
    published = services().events.conversation
    if checked.catalogue is not None and draft:
        cards, differences = preview.compare(published, checked.catalogue, draft, cases)
        cards = cards[:8]
    diffs = {path: versions.diff(base.get(path), tree.get(path), path, "公開中", "下書き") for path in draft}
    return render_template("admin_catalogue_preview.html", draft=draft, checked=checked, cards=cards,
                           cards_json=json.dumps([m for c in cards for m in c.messages],
                                                 ensure_ascii=False).replace("</", "<\\/"),
                           differences=differences, cases=len(cases), diffs=diffs, version_id=version_id,
                           label_of=label_of, title_of=lambda shown: _shown_title(shown, checked.catalogue))


def _shown_title(shown: str, catalogue: Catalogue | None) -> str:
    """'procedure:juminhyo' as staff read it."""
    kind, _, target = shown.removeprefix("en:").partition(":")
    names = {"fallback": "わからないときの返事", "clarify": "聞き返し", "menu": "メニュー",
             "several": "複数の手続き"}
    for source in (catalogue, _published_catalogue()):
        if source is None:
            continue
        found = source.procedure(target) if kind == "procedure" else source.intent(target) \
            if kind == "intent" else None
        if found is not None:
            return found.title
    return names.get(kind, shown)


@admin.post("/catalogue/publish")
def catalogue_publish() -> Any:
    who = require("publisher")
    note = request.form.get("note", "").strip()[:500]
    store = the_store()
    try:
        _, tree, version_id, draft = _state(store)
        if not draft:
            flash("公開する下書きがありません。")
            return redirect(url_for("admin.catalogue_index"))
        checked = preview.checked(tree)
        if checked.errors or checked.catalogue is None:
            flash(f"下書きにエラーが {len(checked.errors)} 件あるため、公開できません。")
            return redirect(url_for("admin.catalogue_preview")), 303
        new_id = store.publish(tree, checked.catalogue.version, who.actor,
                               note or "（メモなし）", target=", ".join(sorted(draft))[:200],
                               based_on=version_id)
    except PublishConflict:
        flash("ほかの人がいま公開しました。内容を確かめてから、もう一度公開してください。")
        return redirect(url_for("admin.catalogue_preview"))
    except StoreError as error:
        return _failed("catalogue_publish", error)
    services().events.holder.refresh()
    log_event(log, "catalogue_published", version_id=new_id, files=len(draft))
    flash(f"版 {new_id} として公開しました。数秒ですべてのサーバーの返事が変わります。")
    return redirect(url_for("admin.catalogue_index"))


@admin.get("/catalogue/history")
def catalogue_history() -> Any:
    path = _file_asked()
    store = the_store()
    try:
        found = store.catalogue_versions(limit=30, path=path)
        texts = {v.id: (store.catalogue_version(v.id) or v).files.get(path) for v in found}
        base, version_id = versions.published(store, _root())
    except StoreError as error:
        return _failed("catalogue_history", error)
    starting = _root() / path  # the repository's file: what the first version changed
    entries = []
    for n, version in enumerate(found):
        older = found[n + 1].id if n + 1 < len(found) else None
        if older is not None:
            before = texts.get(older)
        else:
            before = starting.read_text(encoding="utf-8") if starting.is_file() else None
        entries.append((version, versions.diff(before, texts[version.id], path,
                                               f"版 {older}" if older else "はじめのカタログ",
                                               f"版 {version.id}")))
    return render_template("admin_catalogue_history.html", path=path, label=label_of(path),
                           entries=entries, version_id=version_id, current=base.get(path),
                           local_time=report.local_time)


@admin.post("/catalogue/rollback")
def catalogue_rollback() -> Any:
    who = require("publisher")
    path, version = request.form.get("path", ""), request.form.get("version", "")
    if not versions.valid_path(path) or not version.isdigit():
        abort(400)
    store = the_store()
    try:
        old = store.catalogue_version(int(version))
        base, latest_id = versions.published(store, _root())
        if old is None or path not in old.files:
            abort(404)
        tree = {**base, path: old.files[path]}
        checked = preview.checked(tree)
        if checked.errors or checked.catalogue is None:
            flash(f"版 {version} の内容は、いまのほかのファイルと合わないため戻せません"
                  f"（エラー {len(checked.errors)} 件）。")
            return redirect(url_for("admin.catalogue_history", path=path))
        new_id = store.publish(tree, checked.catalogue.version, who.actor, f"版 {version} に戻す",
                               action="catalogue.rollback", target=path, clear_draft=False,
                               based_on=latest_id)
    except PublishConflict:
        flash("ほかの人がいま公開しました。履歴を確かめてから、もう一度どうぞ。")
        return redirect(url_for("admin.catalogue_history", path=path))
    except StoreError as error:
        return _failed("catalogue_rollback", error)
    services().events.holder.refresh()
    flash(f"{label_of(path)} を版 {version} の内容に戻し、版 {new_id} として公開しました。")
    return redirect(url_for("admin.catalogue_history", path=path))


@admin.post("/catalogue/example")
def catalogue_example() -> Any:
    """Add an unanswered group's question as an example of a procedure or intent, in the draft."""
    target = request.form.get("target", "")
    ids = [int(p) for p in request.form.get("ids", "").split(",") if p.strip().isdigit()][:5000]
    if not ids:
        abort(400)
    catalogue = _published_catalogue()
    kind, _, entry_id = target.partition(":")
    entry = catalogue.procedure(entry_id) if kind == "procedure" else \
        catalogue.intent(entry_id) if kind == "intent" else None
    if entry is None:
        flash("追加先の手続きを選んでください。")
        return redirect(url_for("admin.index"))
    store = the_store()
    try:
        wanted = set(ids)
        rows = [r for r in store.unanswered(states=("new",)) if r.id in wanted]
        if not rows:
            flash("その質問は見つかりませんでした（ほかの人が先に処理したかもしれません）。")
            return redirect(url_for("admin.index"))
        _, tree, _, _ = _state(store)
        text = tree.get(entry.path)
        added = versions.add_example(text, rows[0].text) if text is not None else None
        if added is None:
            flash(f"「{entry.title}」のファイルに例を足せませんでした。編集ページで直接書いてください。")
            return redirect(url_for("admin.catalogue_edit", path=entry.path))
        if added != text:
            store.save_draft(entry.path, added, g.staff.actor, before=text)
        store.add_draft_fixes([r.id for r in rows], entry.path, g.staff.actor)
    except StoreError as error:
        return _failed("catalogue_example", error)
    flash(f"「{rows[0].text}」を「{entry.title}」の例として下書きに入れました。"
          "公開すると、このグループ（{0} 件）は対応済みになります。".format(len(rows)))
    return redirect(url_for("admin.catalogue_edit", path=entry.path))


@admin.get("/facts")
def facts() -> Any:
    """The unconfirmed facts, with how often their cards sent residents to the city hall."""
    store = the_store()
    since = dt.datetime.now(LOCAL).date() - dt.timedelta(days=NEEDS_DAYS - 1)
    try:
        _, tree, _, _ = _state(store)
        counts = store.counts(since=since)
    except StoreError as error:
        return _failed("facts", error)
    checked = preview.checked(tree)
    found = preview.needs(checked.gaps, counts)
    catalogue = checked.catalogue or _published_catalogue()
    titles = {p.id: p.title for p in catalogue.procedures}
    names = {f"sections:{s.id}": s.role for s in catalogue.sections}
    names.update({f"counters:{c.id}": c.name for c in catalogue.counters})
    names.update({f"fees:{f.id}": f.name for f in catalogue.fees})
    names.update(titles)
    return render_template("admin_facts.html", needs=found, titles=titles, days=NEEDS_DAYS,
                           label_of=label_of, names=names, fields=FACT_FIELDS)


FACT_FIELDS = {"hours": "受付時間", "payment": "支払い方法", "name": "担当課の名前", "phone": "直通の電話",
               "floor": "場所（階）", "counter": "窓口の手数料", "konbini": "コンビニの手数料",
               "fee": "手数料", "deadline": "期限"}


@admin.route("/facts/fill", methods=["GET", "POST"])
def fact_fill() -> Any:
    """A form for one unconfirmed fact: its value, where it comes from, when it was checked.
    Saving writes all three into the draft (the `~` replaced, the source added to the entry's
    sources, its reviewed date set), so a filled fact never keeps an old source or date."""
    path, line = _file_asked(), request.values.get("line", "")
    if not line.isdigit():
        abort(404)
    store = the_store()
    try:
        _, tree, _, _ = _state(store)
    except StoreError as error:
        return _failed("fact_fill", error)
    gap = next((g for g in preview.checked(tree).gaps if g.path == path and g.line == int(line)), None)
    if gap is None or path not in tree:
        flash("その事実は見つかりませんでした（もう埋まっているかもしれません）。")
        return redirect(url_for("admin.facts"))
    field = gap.field.rsplit(".", 1)[-1]
    today = dt.date.today().isoformat()  # the date the checks take as today (catalogue.inspect)
    values = {"value": request.form.get("value", "").strip()[:300],
              "source": request.form.get("source", "").strip()[:500],
              "reviewed": request.form.get("reviewed", today).strip()[:10]}
    problems: dict[str, str] = {}
    if request.method == "POST":
        if not values["value"] or values["value"] in ("~", "null"):
            problems["value"] = "値を書いてください。"
        if not values["source"]:
            problems["source"] = "根拠（ページのアドレスか資料名）を書いてください。"
        try:
            dt.date.fromisoformat(values["reviewed"])
        except ValueError:
            problems["reviewed"] = "確認した日を 2026-12-02 の形で書いてください。"
        if not problems:
            filled = versions.fill_fact(tree[path], gap.line, values["value"], values["source"],
                                        values["reviewed"])
            if filled is None:
                flash("このファイルの形では、フォームで埋められません。下の編集ページで直接書いてください。")
                return redirect(url_for("admin.catalogue_edit", path=path))
            try:
                store.save_draft(path, filled, g.staff.actor, before=tree[path])
            except StoreError as error:
                return _failed("fact_fill", error)
            flash(f"{FACT_FIELDS.get(field, field)} を下書きに入れました（まだ公開されていません）。"
                  "書き方のエラーがないか、下で確かめてください。")
            return redirect(url_for("admin.catalogue_edit", path=path) + f"#line-{gap.line}")
    return render_template("admin_fact_fill.html", gap=gap, field=FACT_FIELDS.get(field, field),
                           line_text=tree[path].splitlines()[gap.line - 1], values=values,
                           problems=problems, label=label_of(path)), (400 if problems else 200)
