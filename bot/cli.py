"""The nakabot command line: check, ask, eval, chat, serve, richmenu and the staff commands.

The everyday ones are in README.md, the staff ones in docs/operations.md; `nakabot COMMAND --help`
says the rest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot import content, evaluation
from bot.catalogue import CatalogueError, Gap
from bot.config import Settings
from bot.conversation import Conversation, Incoming
from bot.english import is_english
from bot.evaluation import evaluate, format_report
from bot.followup import LocalMemory
from bot.matcher import Matcher
from bot.replies import as_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nakabot", description="那珂市 手続き案内ボット")
    root_help = ("folder holding procedures/, intents/ and richmenu/ (default: NAKABOT_CATALOGUE, "
                 "else the catalogue installed with the package, or this checkout's)")
    parser.add_argument("--root", type=Path, default=None, help=root_help)
    # The commands that read the catalogue take --root after their name too.
    reads_catalogue = argparse.ArgumentParser(add_help=False)
    reads_catalogue.add_argument("--root", type=Path, default=argparse.SUPPRESS, help=root_help)
    commands = parser.add_subparsers(dest="command", required=True)

    def reading(name: str, help: str) -> argparse.ArgumentParser:  # a command that reads the catalogue
        return commands.add_parser(name, parents=[reads_catalogue], help=help)

    check = reading("check", help="validate the catalogue (file:line: field: message)")
    check.add_argument("--todo", action="store_true", help="also list facts not confirmed yet (~)")
    check.add_argument("--max-age", type=int, default=365, help="warn when reviewed is older (days)")
    check.set_defaults(handler=_check)

    ask = reading("ask", help="answer one question as the bot would")
    ask.add_argument("text", nargs="*", help="the question")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument("--jsonl", action="store_true", help="questions on stdin, one JSON line each")
    ask.add_argument("--explain", action="store_true", help="show why it matched what it did")
    ask.set_defaults(handler=_ask)

    evaluation = reading("eval", help="measure matching on a JSONL file")
    evaluation.add_argument("file", type=Path)
    evaluation.add_argument("--json", action="store_true", help="print one JSON object")
    evaluation.set_defaults(handler=_eval)

    chat = reading("chat", help="talk to the bot in the terminal")
    chat.set_defaults(handler=_chat)

    serve = reading("serve", help="run the web app (demo mode without LINE credentials)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)

    richmenu = reading("richmenu", help="the rich menu (richmenu/menu.yaml): check, draw, create")
    richmenu.add_argument("action", choices=["check", "image", "create"],
                          help="check: validate; image: draw it to OUT; create: send to LINE as default")
    richmenu.add_argument("out", nargs="?", type=Path, help="image: where to write the PNG")
    richmenu.add_argument("--file", type=Path, default=None,
                          help="definition (default richmenu/menu.yaml under the root)")
    richmenu.add_argument("--no-default", action="store_true", help="create: do not make it the default")
    richmenu.set_defaults(handler=_richmenu)

    _staff_commands(commands)
    from bot.staffcli import add_commands as staff_account_commands  # nakabot staff add|passwd|disable

    staff_account_commands(commands)
    from bot.cataloguecli import add_commands as catalogue_commands  # nakabot catalogue export|import

    catalogue_commands(commands)

    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except CatalogueError as error:
        print("カタログにエラーがあります（nakabot check で確認できます）:", file=sys.stderr)
        print(error, file=sys.stderr)
        return 2
    except BrokenPipeError:  # `nakabot report | head`: the reader has what it wanted
        # As the Python docs advise: stdout to devnull, so the flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _root(args: argparse.Namespace) -> Path:
    return content.resolve_root(args.root)


def _conversation(args: argparse.Namespace) -> Conversation:
    return Conversation(content.load(_root(args)))


def _check(args: argparse.Namespace) -> int:
    report = content.inspect(_root(args), max_age_days=args.max_age)
    for problem in report.problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
    if args.todo:
        print(todo_text(report.gaps))
    if report.errors or report.catalogue is None:
        print(f"エラー {len(report.errors)} 件", file=sys.stderr)
        return 1
    cat = report.catalogue
    warnings = len(report.problems) - len(report.errors)
    print(f"OK: 手続き {len(cat.procedures)} 件, 会話 {len(cat.intents)} 件, 注意 {warnings} 件, "
          f"未確認 {len(report.gaps)} 件（市の事実 {sum(g.is_fact for g in report.gaps)} 件）, "
          f"版 {cat.version}")
    return 0


def todo_text(gaps: Iterable[Gap]) -> str:
    """Gaps as staff act on them: each city fact once, with the procedures waiting on it."""
    gaps = list(gaps)
    facts = sorted((g for g in gaps if g.is_fact), key=lambda g: (-len(g.waiting), g.path, g.line))
    lines = [f"未確認の事実 {len(facts)} 件（1か所に書けば、待っている手続きすべての答えに出ます）:"]
    for gap in facts:
        waiting = (f"{len(gap.waiting)}件の手続きが待っています" if gap.waiting
                   else "使っている手続きはありません")
        lines.append(f"  {gap.path}:{gap.line}: {gap.owner.partition(':')[2]}.{gap.field.rsplit('.', 1)[-1]}"
                     f"  {waiting}")
    own: dict[str, list[Gap]] = {}
    for gap in gaps:
        if not gap.is_fact:
            own.setdefault(gap.field, []).append(gap)
    if own:
        count = sum(len(v) for v in own.values())
        lines.append(f"手続きごとの未確認 {count} 件（その手続きのファイルに書きます）:")
        for field, found in sorted(own.items(), key=lambda item: -len(item[1])):
            lines.append(f"  {field}: {len(found)}件  " + ", ".join(f"{g.path}:{g.line}" for g in found))
    return "\n".join(lines)


def _ask(args: argparse.Namespace) -> int:
    conversation = _conversation(args)
    if args.jsonl:
        for line in sys.stdin:
            question = line.rstrip("\n")
            matched = _matcher_for(conversation, question).match(question)
            print(json.dumps(matched.as_dict(), ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.text)
    if not question:
        print("質問を書いてください。例: nakabot ask 住民票がほしい", file=sys.stderr)
        return 2
    outcome = conversation.respond(Incoming("text", question))
    answer = outcome.answer
    assert answer is not None
    if args.json:  # the matcher's answer, and what the resident was shown (several cards ...)
        print(json.dumps({**answer.as_dict(), "shown": outcome.shown}, ensure_ascii=False))
    else:
        print(as_text(outcome.messages))
    if args.explain:
        print(f"\n― 理由 ―\n正規化: {answer.forms}\n判定: {answer.kind} {answer.id or ''} "
              f"({answer.score:.1f}点)")
        _, ranked = _matcher_for(conversation, question).rank(question)
        for candidate in ranked[:5]:
            print(f"  {candidate.score:5.1f} {candidate.id}: {' / '.join(candidate.evidence)}")
    return 0


def _matcher_for(conversation: Conversation, question: str) -> Matcher:
    """The matcher the bot uses for `question`: English by words, else Japanese."""
    return conversation.english.matcher if is_english(question) else conversation.matcher


def _eval(args: argparse.Namespace) -> int:
    conversation = _conversation(args)
    cases = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if evaluation.is_dialogue_set(cases):  # tests/data/dialogues.jsonl: scored turn by turn
        report = evaluation.evaluate_dialogues(conversation, cases)
        print(json.dumps(report, ensure_ascii=False, indent=1) if args.json
              else evaluation.format_dialogue_report(report))
        return 0
    report = evaluate(conversation.matcher, conversation.catalogue, cases, conversation.english.matcher)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 0


def _chat(args: argparse.Namespace) -> int:
    conversation = _conversation(args)
    print("那珂市 手続き案内（終わるときは Ctrl+D）。ボタンは番号で選べます。")
    print(as_text(conversation.respond(Incoming("follow")).messages))
    memory = LocalMemory()  # follow-ups (「手数料は？」) about the last card, as on LINE
    buttons: list[dict] = []
    while True:
        try:
            line = input("\nあなた> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        incoming = Incoming("text", line, "terminal")
        if line.isdigit() and 0 < int(line) <= len(buttons):
            action = buttons[int(line) - 1]
            incoming = (Incoming("postback", action["data"], "terminal") if action["type"] == "postback"
                        else Incoming("text", action.get("text", ""), "terminal"))
        outcome = conversation.respond(incoming, memory)
        text = as_text(outcome.messages)
        buttons = [i["action"] for m in outcome.messages for i in m.get("quickReply", {}).get("items", [])]
        numbered = "  ".join(f"{n}.{a['label']}" for n, a in enumerate(buttons, 1))
        print("ボット> " + text.rsplit("\n［ボタン］", 1)[0])
        if numbered:
            print("［ボタン］ " + numbered)


def _richmenu(args: argparse.Namespace) -> int:
    from bot import richmenu
    from bot.config import ConfigError

    try:
        root = _root(args)
        menu = richmenu.check(richmenu.load(args.file or root / "richmenu" / "menu.yaml"), content.load(root))
        if args.action == "check":
            print(f"OK: {menu.name}（{menu.width}×{menu.height}, {len(menu.areas)} areas）")
            print("\n".join(richmenu.summary(menu)))
            return 0
        if args.action == "image":
            if args.out is None:
                print("書き出し先を指定してください。例: nakabot richmenu image menu.png", file=sys.stderr)
                return 2
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(richmenu.png(menu))
            print(f"wrote {args.out}")
            return 0
        settings = Settings.from_env()
        if not settings.access_token:
            print("LINE_CHANNEL_ACCESS_TOKEN（と LINE_CHANNEL_SECRET）が設定されていません。"
                  "リッチメニューの作成にはLINEの認証情報が必要です。\n"
                  "LINE credentials are not set: richmenu create needs LINE_CHANNEL_ACCESS_TOKEN.",
                  file=sys.stderr)
            return 2
        rich_menu_id = richmenu.create(menu, richmenu.png(menu), settings.access_token, settings.api_base_url,
                                       make_default=not args.no_default)
    except (richmenu.RichMenuError, ConfigError) as error:
        print(f"リッチメニュー: {error}", file=sys.stderr)
        return 1
    done = "作成しました（既定にはしていません）" if args.no_default else "作成し、既定のメニューにしました"
    print(f"{rich_menu_id}: {done}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from bot.web import create_app, events_of

    settings = Settings.from_env()
    if args.root is not None:
        settings = replace(settings, catalogue_root=args.root)
    app = create_app(settings)
    events_of(app).holder.install_sighup()  # kill -HUP: look at the catalogue now
    url = f"http://{args.host}:{args.port}/"
    if settings.demo:
        print(f"デモモード（LINEの設定なし）: ブラウザで {url} を開くと、LINEと同じ画面で試せます。"
              f"\nDemo mode (no LINE credentials): open {url} to chat with the bot.", flush=True)
    app.run(host=args.host, port=args.port)
    return 0


# --- staff: unanswered questions, retention, the admin password ------------------------------
def _staff_commands(commands: argparse._SubParsersAction) -> None:
    from bot.report import SIMILAR

    report = commands.add_parser(
        "report", help="unanswered questions grouped by similarity (new ones; --all for every state)",
        description="Unanswered and low-confidence questions, grouped, most frequent first. "
                    "Review: nakabot report mark GROUP_OR_ID fixed|ignored|new [--note TEXT]")
    report.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="from this day (Japan time)")
    report.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="up to and including this day")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON object")
    output.add_argument("--csv", action="store_true", help="print CSV (one row per group)")
    report.add_argument("--all", action="store_true", help="also the fixed and ignored ones")
    report.add_argument("--channel", choices=["line", "simulator"],
                        help="only questions from LINE, or only from the demo simulator (default: both)")
    report.add_argument("--similar", type=float, default=SIMILAR, help="grouping threshold 0-100")
    report.set_defaults(handler=_report)
    review = report.add_subparsers(dest="review", metavar="mark")
    mark = review.add_parser("mark", help="set the review state of a group (key) or one question (id)")
    mark.add_argument("target", metavar="GROUP_OR_ID", help="a group key as printed (g1a2b3c) or an id")
    mark.add_argument("state", choices=["fixed", "ignored", "new"])
    mark.add_argument("--note", help="what was done, e.g. 'example added to juminhyo'")
    mark.set_defaults(handler=_report_mark)

    restore = commands.add_parser(
        "restore", help="put back the questions the store could not take, from the bot's log",
        description="Reads log lines (a file, or - for standard input) and saves the questions of "
                    "store_failed lines into the store. Safe to run twice on the same log.")
    restore.add_argument("logs", nargs="+", metavar="LOG", help="log file, or - for standard input")
    restore.set_defaults(handler=_restore)

    purge = commands.add_parser("purge", help="delete records older than the retention period")
    purge.add_argument("--days", type=int, default=None,
                       help=f"default NAKABOT_RETENTION_DAYS ({Settings.retention_days})")
    purge.set_defaults(handler=_purge)

    admin_hash = commands.add_parser("admin-hash", help="make ADMIN_PASSWORD_HASH from a password")
    admin_hash.set_defaults(handler=_admin_hash)


def _date(text: str) -> dt.date:

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def _open_store() -> tuple[Settings, Store]:
    from bot.store import open_store

    settings = Settings.from_env()
    return settings, open_store(settings.database_url)


def _existing_store() -> Store:
    """The server's store for a report: said which one on stderr; never created (StoreMissing)."""
    from bot.store import StoreMissing, describe, open_existing

    url = Settings.from_env().database_url
    try:
        store = open_existing(url)
    except StoreMissing:
        raise StoreMissing(f"記録（データベース）がありません: {describe(url)}。サーバーと同じ "
                           "DATABASE_URL を設定してください（空の記録は作りません）。") from None
    print(f"記録: {describe(url)}", file=sys.stderr)
    return store


def _titles(args: argparse.Namespace) -> Callable[[str], str]:
    """A procedure's or intent's title by its id, for staff; the id when unknown."""
    try:
        catalogue = content.load(_root(args))
    except CatalogueError:
        return str

    def title(item: str) -> str:
        found = catalogue.procedure(item) or catalogue.intent(item)
        return found.title if found is not None else item
    return title


def _report(args: argparse.Namespace) -> int:
    from bot import report
    from bot.store import StoreError

    try:
        store = _existing_store()
        since = report.day_start(args.since) if args.since else None
        until = report.day_start(args.until + dt.timedelta(days=1)) if args.until else None
        rows = store.unanswered(since, until, states=() if args.all else ("new",), channel=args.channel)
    except StoreError as error:
        print(f"記録を読めません: {error}", file=sys.stderr)
        return 1
    groups = report.group(rows, args.similar)
    if args.json:
        print(report.as_json(groups, args.since and args.since.isoformat(),
                             args.until and args.until.isoformat()))
    elif args.csv:  # UTF-8 with a BOM, whatever the terminal's encoding: for Excel
        sys.stdout.flush()
        sys.stdout.buffer.write(report.as_csv(groups, _titles(args)).encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        period = f"{args.since or '最初'} 〜 {args.until or '今日'}"
        print(report.as_text(groups, f"{period}、{'すべての状態' if args.all else '新規のみ'}"))
    return 0


def _report_mark(args: argparse.Namespace) -> int:
    from bot import report
    from bot.staffcli import actor
    from bot.store import StoreError

    try:
        store = _existing_store()
        if args.target.isdigit():
            ids, what = [int(args.target)], f"質問 {args.target}"
        else:
            # A key as any report printed it: new groups first, then fixed or ignored ones.
            found = report.find_in_any_state(store.unanswered(states=()), args.target)
            if found is None:
                print(f"{args.target}: 見つかりません。nakabot report に出ている記号（g で始まる）か、"
                      "質問の番号を指定してください。", file=sys.stderr)
                return 1
            ids, what = list(found.ids), f"グループ {found.key}（{found.count} 件）"
        changed, _ = store.review(ids, actor(), args.target, state=args.state, note=args.note)
    except StoreError as error:
        print(f"記録を更新できません: {error}", file=sys.stderr)
        return 1
    if not changed:
        print(f"{args.target}: 見つかりません。", file=sys.stderr)
        return 1
    print(f"{what} を {args.state} にしました。")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from bot import feedback
    from bot.store import StoreError

    saved = already = 0
    try:
        _, store = _open_store()
        for name in args.logs:
            with open(sys.stdin.fileno() if name == "-" else name, encoding="utf-8", errors="replace",
                      closefd=name != "-") as log:
                done, held = feedback.restore(store, feedback.unsaved_rows(log))
            saved, already = saved + done, already + held
    except OSError as error:
        print(f"ログを読めません: {error}", file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"記録を保存できません（{saved} 件は保存済み）: {error}", file=sys.stderr)
        return 1
    print(f"{saved} 件を記録に戻しました（{already} 件は記録にありました）。")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from bot.store import StoreError

    try:
        settings, store = _open_store()
        days = args.days or settings.retention_days
        deleted = store.purge(days)
    except StoreError as error:
        print(f"削除できません: {error}", file=sys.stderr)
        return 1
    print(f"{days} 日より古い記録を削除しました: " + ", ".join(f"{k} {n}" for k, n in deleted.items()))
    return 0


def _admin_hash(args: argparse.Namespace) -> int:
    import getpass

    from werkzeug.security import generate_password_hash

    if sys.stdin.isatty():
        password = getpass.getpass("管理画面のパスワード: ")
        if getpass.getpass("もう一度: ") != password:
            print("一致しません。", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\n")
    if len(password) < 12:
        print("12 文字以上にしてください。", file=sys.stderr)
        return 1
    print(generate_password_hash(password))
    return 0
