"""The nakabot command line (contract in ../shared/GUIDE.md section 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot import catalogue

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nakabot", description="那珂市 手続き案内ボット")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the catalogue (file:line: field: message)")
    check.add_argument("--todo", action="store_true", help="list facts not confirmed yet (null)")
    check.add_argument("--max-age", type=int, default=365, help="warn when reviewed is older (days)")
    check.add_argument("--root", type=Path, default=REPO_ROOT)
    args = parser.parse_args(argv)
    return args.handler(args) if hasattr(args, "handler") else _check(args)


def _check(args: argparse.Namespace) -> int:
    report = catalogue.inspect(args.root, max_age_days=args.max_age)
    for problem in report.problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
    if args.todo:
        for gap in report.gaps:
            print(f"{gap.path}:{gap.line}: {gap.field}: 未確認（{gap.owner}）")
    if report.errors:
        print(f"エラー {len(report.errors)} 件", file=sys.stderr)
        return 1
    cat = report.catalogue
    assert cat is not None
    print(f"OK: 手続き {len(cat.procedures)} 件, 会話 {len(cat.intents)} 件, "
          f"未確認 {len(report.gaps)} 件, 版 {cat.version}")
    return 0
