"""`nakabot staff add|passwd|disable|list`: staff accounts of /admin from the command line.

For the first admin and for operators. A password is read from a prompt (twice) or, when
standard input is not a terminal, from its first line: never from the command line, where
`ps` and the shell history would show it. Each change is in the audit log as cli:<os user>.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from bot import accounts
from bot.store import ROLES, StoreError, StoreMissing, describe, open_existing


def add_commands(commands: argparse._SubParsersAction) -> None:
    staff = commands.add_parser("staff", help="staff accounts of /admin: add, passwd, disable, list")
    actions = staff.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="a new account (the password is asked for)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True,
                     help="editor: drafts and reviews; publisher: also publishes; admin: also accounts")
    add.set_defaults(handler=_add)
    passwd = actions.add_parser("passwd", help="a new password (ends the account's sessions)")
    passwd.add_argument("name")
    passwd.set_defaults(handler=_passwd)
    disable = actions.add_parser("disable", help="no more logins (ends the account's sessions)")
    disable.add_argument("name")
    disable.set_defaults(handler=_disable)
    listing = actions.add_parser("list", help="the accounts, their roles, whether active")
    listing.set_defaults(handler=_list)


def actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


def _password() -> str | None:
    if sys.stdin.isatty():
        password = getpass.getpass("パスワード（12文字以上）: ")
        if getpass.getpass("もう一度: ") != password:
            print("一致しません。", file=sys.stderr)
            return None
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = accounts.password_problem(password)
    if problem:
        print(problem, file=sys.stderr)
        return None
    return password


def _run(args: argparse.Namespace, work: str) -> int:
    from bot.config import Settings

    url = Settings.from_env().database_url
    try:
        store = open_existing(url)
    except StoreMissing:
        print(f"記録（データベース）がありません: {describe(url)}\n"
              "サーバーと同じ DATABASE_URL を設定してください（サーバーを一度起動すると作られます）。",
              file=sys.stderr)
        return 1
    except StoreError as error:
        print(f"記録を開けません（{describe(url)}）: {error}", file=sys.stderr)
        return 1
    print(f"記録: {describe(url)}", file=sys.stderr)
    try:
        if work == "list":
            for account in store.staff_accounts():
                state = "" if account.active else "（無効）"
                print(f"{account.name}\t{accounts.ROLE_LABELS[account.role]}（{account.role}）{state}")
            return 0
        if work == "add":
            problem = accounts.name_problem(args.name)
            if problem:
                print(problem, file=sys.stderr)
                return 1
        if work in ("add", "passwd"):
            password = _password()
            if password is None:
                return 1
            if work == "add":
                store.add_staff(args.name, accounts.hash_password(password), args.role, actor())
                print(f"{args.name} を{accounts.ROLE_LABELS[args.role]}として作りました。")
            else:
                store.change_staff(args.name, actor(), password_hash=accounts.hash_password(password))
                print(f"{args.name} のパスワードを変えました（ログイン中の画面は閉じられます）。")
            return 0
        store.change_staff(args.name, actor(), active=False)
        print(f"{args.name} を無効にしました。")
        return 0
    except StoreError as error:
        from bot.store import StaffExists, StaffMissing

        if isinstance(error, StaffExists):
            print(f"{args.name}: その名前のアカウントはすでにあります。", file=sys.stderr)
        elif isinstance(error, StaffMissing):
            print(f"{args.name}: そのアカウントはありません（nakabot staff list）。", file=sys.stderr)
        else:
            print(f"記録を更新できません: {error}", file=sys.stderr)
        return 1


def _add(args: argparse.Namespace) -> int:
    return _run(args, "add")


def _passwd(args: argparse.Namespace) -> int:
    return _run(args, "passwd")


def _disable(args: argparse.Namespace) -> int:
    return _run(args, "disable")


def _list(args: argparse.Namespace) -> int:
    return _run(args, "list")
