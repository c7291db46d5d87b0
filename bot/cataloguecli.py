"""`nakabot catalogue export DIR` and `nakabot catalogue import DIR`: the published catalogue as files.

export writes what residents are served (the newest version published from /admin, else the
repository's files) as YAML under DIR, to review in git or to copy back into the repository.
import reads a tree (procedures/, intents/) and puts every file that differs from what is
published into the shared draft: nothing goes live until a publisher publishes it in /admin.
Each draft file is in the audit log as cli:<os user>.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import content, versions
from bot.store import Store, StoreError, StoreMissing, describe, open_existing


def add_commands(commands: argparse._SubParsersAction) -> None:
    catalogue = commands.add_parser("catalogue", help="the published catalogue as YAML: export, import")
    actions = catalogue.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the published catalogue under DIR")
    export.add_argument("folder", type=Path, metavar="DIR")
    export.set_defaults(handler=_export)
    load = actions.add_parser("import", help="load the YAML under DIR as a draft (not published)")
    load.add_argument("folder", type=Path, metavar="DIR")
    load.set_defaults(handler=_import)


def _open() -> Store | None:
    from bot.config import Settings

    url = Settings.from_env().database_url
    try:
        store = open_existing(url)
    except StoreMissing:
        print(f"記録（データベース）がありません: {describe(url)}\n"
              "サーバーと同じ DATABASE_URL を設定してください。", file=sys.stderr)
        return None
    except StoreError as error:
        print(f"記録を開けません（{describe(url)}）: {error}", file=sys.stderr)
        return None
    print(f"記録: {describe(url)}", file=sys.stderr)
    return store


def _export(args: argparse.Namespace) -> int:
    store = _open()
    if store is None:
        return 1
    try:
        files, version_id = versions.published(store, content.resolve_root(args.root))
    except StoreError as error:
        print(f"記録を読めません: {error}", file=sys.stderr)
        return 1
    versions.write_tree(files, args.folder)
    which = (f"公開版 {version_id}" if version_id is not None
             else "リポジトリのファイル（まだ公開された版はありません）")
    print(f"{len(files)} ファイルを {args.folder} に書き出しました: {which}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from bot.staffcli import actor

    if not (args.folder / "procedures").is_dir() and not (args.folder / "intents").is_dir():
        print(f"{args.folder} に procedures/ も intents/ もありません。", file=sys.stderr)
        return 1
    store = _open()
    if store is None:
        return 1
    files, unreadable = versions.read_tree(args.folder)
    for skipped in unreadable:
        print(f"{skipped.path}: {skipped.message}", file=sys.stderr)
    try:
        base, _ = versions.published(store, content.resolve_root(args.root))
        changed = [path for path in versions.changed(base, versions.overlay(base, files)) if path in files]
        for path in changed:
            store.save_draft(path, files[path], actor(), before=base.get(path))
        _, tree, _ = versions.draft_tree(store, content.resolve_root(args.root))
    except StoreError as error:
        print(f"記録を更新できません: {error}", file=sys.stderr)
        return 1
    report = versions.inspect(tree)
    for problem in report.errors:
        print(problem, file=sys.stderr)
    print(f"下書きに {len(changed)} ファイルを入れました"
          "（公開はまだです。/admin の「カタログ」で確認して公開）。")
    if report.errors:
        print(f"下書きにエラー {len(report.errors)} 件: 直すまで公開できません。", file=sys.stderr)
        return 1
    return 0 if not unreadable else 1
