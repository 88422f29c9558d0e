"""Allow `python -m classifier ...`; also the `headlines` console script (`main`)."""

from __future__ import annotations

__all__ = ["main"]


def _one_blas_thread(argv: list[str]) -> None:
    """For `predict`, start numpy's BLAS with one thread unless the user chose a number.

    Starting a pool of BLAS threads costs a fast command a tenth of its start, and predicting
    has no use for them: its products are small, and `--jobs` runs worker processes instead.
    """
    import os

    from classifier.config import BLAS_THREAD_SETTINGS  # the standard library only: a fast start

    command = next((a for a in argv if not a.startswith("-")), None)
    if command == "predict" and not any(name in os.environ for name in BLAS_THREAD_SETTINGS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"


def main() -> None:
    """Run the command line with Ctrl-C and SIGTERM handled from the start, before the heavy imports."""
    import sys

    _one_blas_thread(sys.argv[1:])

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
