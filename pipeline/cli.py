"""The `cchc` command: one sub-command per job, each in the package that does that job.

`convert` (pipeline.convert), `ingest` (pipeline.ingest), `review` (pipeline.review),
`export` (pipeline.dataset), `repair-text` (pipeline.restore); exit codes are in `pipeline.terminal`.
"""
from __future__ import annotations

import argparse
import sys

from rich.console import Console

from pipeline import __version__
from pipeline.convert import command as convert
from pipeline.dataset import command as export
from pipeline.ingest import command as ingest
from pipeline.restore import command as repair_text
from pipeline.review import command as review

COMMANDS = {"convert": convert, "ingest": ingest, "export": export, "review": review, "repair-text": repair_text}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cchc", description="Vietnamese CCHC reports (PDF, DOCX) to tidy Parquet.")
    parser.add_argument("--version", action="version", version=f"cchc-extract {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return COMMANDS[args.command].run(args, Console(stderr=True))


if __name__ == "__main__":
    sys.exit(main())
