"""The package's exceptions: each carries a one-line message naming the file, row or column."""

from __future__ import annotations


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
