"""Allow `python -m classifier ...`; also the `headlines` console script (`main`)."""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """Run the command line with Ctrl-C and SIGTERM handled from the start, before the heavy imports."""
    import sys

    from classifier.errors import Interrupted
    from classifier.io import interrupts

    try:
        with interrupts.stop_on_signals():
            from classifier.cli import app

            app(prog_name="headlines")
    except Interrupted as exc:
        sys.stderr.write(f"error: {interrupts.message(exc.signum)}\n")
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
