"""`datagen`: one entry point. Each command lives in `datagen/commands/<name>.py` and
exposes `register(subparsers)`; this module only parses, dispatches and turns user
errors into one line on stderr with exit status 2."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from datagen import __version__
from datagen.errors import UserError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse errors: exit status 2, one line + usage
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    import datagen.commands as commands

    parser = _Parser(prog="datagen", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--version", action="version", version=f"datagen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"datagen.commands.{mod.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        rc = args.func(args)
    except UserError as e:
        print(f"datagen: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("datagen: interrupted; finished shards are kept, run the same command again to resume",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except OSError as e:  # a file or folder we may not read or write, a full disk: one line, no traceback
        where = f"{e.filename}: " if e.filename else ""
        print(f"datagen: error: {where}{e.strerror or e}", file=sys.stderr)
        return UserError.exit_code
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
