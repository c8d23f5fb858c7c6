"""``python -m lpgd_go``: print the configuration and run the self-test (exit 1 on failure)."""

from __future__ import annotations

import argparse
import sys

from ._info import show_config


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m lpgd_go``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m lpgd_go",
        description="Print lpgd_go's version, library, build and threads; run a self-test.",
    )
    parser.add_argument("--no-self-test", action="store_true", help="skip the self-test")
    args = parser.parse_args(argv)
    return 0 if show_config(self_test=not args.no_self_test) else 1


if __name__ == "__main__":
    sys.exit(main())
