"""The package's exceptions: each carries a one-line message naming the file, row or column."""

from __future__ import annotations

__all__ = [
    "EXIT_CODES",
    "DataError",
    "HeadlinesError",
    "InputError",
    "Interrupted",
    "MissingExtraError",
    "ModelFileError",
    "OutputError",
    "ServeError",
    "missing_extra",
]


class HeadlinesError(Exception):
    """Base class: a problem the user can fix, reported as one line without a traceback."""

    exit_code = 1


class InputError(HeadlinesError):
    """An input file is missing, unreadable, undecodable or lacks a needed column."""

    exit_code = 2


class DataError(HeadlinesError):
    """A labelled file breaks the corpus rules; `problems` lists every one found."""

    exit_code = 3

    def __init__(self, path: str, problems: list[str], total: int | None = None) -> None:
        self.path = path
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = "\n".join(f"  {p}" for p in problems)
        more = "" if self.total <= len(problems) else f"\n  ... and {self.total - len(problems)} more"
        super().__init__(f"{path}: {self.total} problem(s) in labelled data:\n{shown}{more}")


class ModelFileError(HeadlinesError):
    """A model file is missing, truncated, foreign, tampered with or from an incompatible version."""

    exit_code = 4


class OutputError(HeadlinesError):
    """An output path cannot be written."""

    exit_code = 5


class ServeError(HeadlinesError):
    """The service cannot start: a host it cannot resolve, a port in use or not permitted."""

    exit_code = 6


class MissingExtraError(HeadlinesError):
    """An optional package is not installed; the message names the extra that brings it."""

    exit_code = 7


def missing_extra(package: str, extra: str, needed_for: str) -> MissingExtraError:
    """The one-line error for an optional package that is not installed, naming the extra to install.

    Examples
    --------
    >>> print(missing_extra("textblob", "eval", "the textblob baseline"))
    the textblob baseline needs textblob, which is not installed: pip install 'headlines-classifier[eval]'
    """
    return MissingExtraError(
        f"{needed_for} needs {package}, which is not installed: pip install 'headlines-classifier[{extra}]'"
    )


class Interrupted(BaseException):
    """The run was stopped by a signal (Ctrl-C or SIGTERM); a BaseException, like KeyboardInterrupt.

    Its exit code follows the shell's convention, 128 plus the signal number: 130 for SIGINT, 143
    for SIGTERM.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"signal {signum}")


# Every exit code the command line uses, for its help and the README (tests keep them in step).
EXIT_CODES: dict[int, str] = {
    0: "success (also when a reader closes the pipe early, as with `| head`)",
    1: "an unexpected internal error (a bug; HEADLINES_DEBUG=1 shows its traceback)",
    2: (
        "bad input or option: a file missing, unreadable, undecodable, of unknown type, lacking a "
        "column, with a malformed row or a value that is not text; an input column named like an "
        "output column of predict; an unknown encoding; an output that would overwrite an input; an "
        "unreachable --scheduler; or a usage error"
    ),
    3: "labelled data breaks the corpus rules or floors, or is too small to train on (every problem listed)",
    4: "model file missing, foreign, damaged, oversized or incompatible",
    5: "output cannot be written (missing folder, not writable, disk full)",
    6: "`headlines serve` cannot listen: unknown host, port in use or not permitted",
    7: "an optional package is not installed (the line names the extra that brings it)",
    130: "interrupted (Ctrl-C); no partial output is left",
    143: "terminated (SIGTERM); no partial output is left",
}
