"""The `headlines` command line: thin wrappers that parse options and call library functions.

Every command runs inside `_guarded`, the one place that turns what can go wrong into a line on
stderr and a documented exit code (`classifier.errors.EXIT_CODES`): the package's own errors, a
closed pipe, a full disk, Ctrl-C and SIGTERM.

No `from __future__ import annotations` here: typer reads every option from its annotation, and
string annotations would be compiled and evaluated anew at each start (a sixth of a one-headline
prediction); plain ones are built once, in the module's cached bytecode.
"""

import codecs
import errno
import functools
import json
import os
import re
import sys
import time
import warnings
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperCommand, TyperGroup

from classifier import __version__
from classifier.config import (
    DATASET_FORMATS,
    DATE_DAYFIRST,
    DEFAULT_DATA,
    DEFAULT_MODEL,
    DEFAULT_REAL_LABELS,
    HOLDOUT_FRACTION,
    SCHEDULER_TIMEOUT,
    SEMANTIC_WEIGHT,
    SEMANTIC_WEIGHT_ON,
    SERVE_BODY_TIMEOUT,
    SERVE_HOST,
    SERVE_MAX_BODY_BYTES,
    SERVE_MAX_HEADLINES,
    SERVE_PORT,
    SERVE_WORKERS,
    SPIKE_THRESHOLD,
    SPIKE_WINDOW,
)
from classifier.errors import (
    EXIT_CODES,
    DataError,
    HeadlinesError,
    InputError,
    Interrupted,
    MissingExtraError,
    OutputError,
)
from classifier.io import interrupts
from classifier.io.keep import KEEP_ALL, KEEP_NONE, resolve_keep
from classifier.io.readers import STDIN, input_columns
from classifier.io.writers import (
    NO_SPACE,
    atomic_path,
    check_writable,
    output_format_for,
    refuse_overwriting_inputs,
    write_error,
)
from classifier.predict.workers import default_jobs, max_jobs

if TYPE_CHECKING:  # rich, pandas and numpy are imported by the commands that use them: a fast start
    from rich.table import Table

__all__ = [
    "DEBUG_ENVIRONMENT",
    "EXAMPLES",
    "EXIT_CODES_HELP",
    "SERVE_EXTRA_HINT",
    "Engine",
    "Every",
    "InputFormat",
    "OutputFormat",
    "app",
    "check_corpus",
    "err",
    "evaluate_command",
    "main",
    "predict",
    "serve",
    "summarize",
    "train",
]

EXIT_CODES_HELP = "Exit codes: " + "; ".join(
    f"{code} {text.split(' (')[0].split(':')[0]}" for code, text in EXIT_CODES.items()
)
DEBUG_ENVIRONMENT = "HEADLINES_DEBUG"


class _LazyConsole:
    """rich's stderr console, made on first use (importing rich costs a fast command its start)."""

    def __init__(self) -> None:
        self._console = None

    def __getattr__(self, name: str):
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, soft_wrap=True)
        return getattr(self._console, name)


err = _LazyConsole()
_RICH_REWRITES = re.compile(r":[^\s:]*:")  # what rich may read as an :emoji: code


def predict_to_file(*args, **kwargs):
    """The streaming prediction path of `classifier.predict.stream`, imported when first used."""
    from classifier.predict.stream import predict_to_file as stream_to_file

    return stream_to_file(*args, **kwargs)


def load_predictor(*args, **kwargs):
    """`classifier.model.archive.load_predictor`, imported when first used (it needs numpy)."""
    from classifier.model.archive import load_predictor as load

    return load(*args, **kwargs)


class _PlainHelp:
    """Help without typer's type tags on flags (`<bool>`) and with arguments in upper case."""

    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""  # a flag takes no value: show none
        return params

    def collect_usage_pieces(self, ctx) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                pieces.append((param.metavar or param.name.upper()) + ("..." if param.nargs != 1 else ""))
        return pieces


_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")  # what int() and float() read as pydantic does


class _PlainValue:
    """typer's coercion of a parameter, short-cut for plain values: no pydantic import for `str`, `int`...

    typer checks every value with a pydantic adapter, and importing pydantic costs a fast command
    a quarter of its start. A value of a plain type (text, a path, a number in range, an enum's
    value, a default) converts here as pydantic would convert it; any other value goes to typer's
    own coercion, so its errors are typer's.
    """

    def __init__(self, param) -> None:
        self.param = param
        annotation = param.type_descriptor.annotation
        options = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
        self.optional = type(None) in getattr(annotation, "__args__", ())
        self.kind = options[0] if self.optional and len(options) == 1 else annotation
        self.info = param.type_descriptor.parameter_info

    def _in_range(self, value) -> bool:
        low, high = getattr(self.info, "min", None), getattr(self.info, "max", None)
        return (
            not getattr(self.info, "clamp", False)
            and (low is None or value >= low)
            and (high is None or value <= high)
        )

    def _plain(self, value):
        """The converted value, or `self` when this value needs typer's own coercion."""
        kind = self.kind
        if (
            getattr(self.info, "parser", None) is not None
            or getattr(self.info, "click_type", None) is not None
        ):
            return self
        if isinstance(kind, type) and issubclass(kind, Enum):
            try:
                return kind(value)
            except ValueError:
                return self
        if kind is str and isinstance(value, str):
            return value
        checks = ("exists", "writable", "resolve_path")  # path checks typer makes: its own coercion does them
        if kind is Path and isinstance(value, (str, Path)) and str(value):
            if any(getattr(self.info, name, False) for name in checks) or not all(
                getattr(self.info, name, True) for name in ("file_okay", "dir_okay", "readable")
            ):
                return self
            return Path(value)
        if kind in (int, float) and not isinstance(value, bool):
            if isinstance(value, str):
                if not _NUMBER.fullmatch(value) or (kind is int and "." in value):
                    return self
                value = kind(value)
            if isinstance(value, kind) and self._in_range(value):
                return value
        return self

    def coerce(self, value, param, ctx):
        if value is None and not (param.multiple or param.nargs == -1):
            return None
        if not (param.multiple or param.nargs == -1):
            plain = self._plain(value)
            if plain is not self:
                return plain
        from typer._coercion import build_runtime_param

        return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)


def _plain_values(command, ctx) -> None:
    """Let a command's parameters convert plain values without pydantic (see `_PlainValue`)."""
    for param in command.get_params(ctx):
        if getattr(param, "_runtime_param", False) is None and hasattr(param, "type_descriptor"):
            param._runtime_param = _PlainValue(param)


class _Command(_PlainHelp, TyperCommand):
    def parse_args(self, ctx, args: list[str]) -> list[str]:
        _plain_values(self, ctx)
        return super().parse_args(ctx, args)


class _Group(_PlainHelp, TyperGroup):
    """The top-level group: a usage error is one line too, naming the command and where help is."""

    def collect_usage_pieces(self, ctx) -> list[str]:
        return [*super().collect_usage_pieces(ctx), self.subcommand_metavar]

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        _plain_values(self, ctx)
        return super().parse_args(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from typer._click.exceptions import ClickException, NoArgsIsHelpError

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as exc:
            exc.show()
            code = 0
        except ClickException as exc:
            where = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "headlines"
            err.print(f"error: {where}: {exc.format_message()} (see {where} --help)", markup=False,
                      highlight=False)  # fmt: skip
            code = exc.exit_code
        except typer.Abort:
            code = 130
        except SystemExit as exc:  # typer ends a closed pipe (help into `| head`) with 1; it is 0
            cause = exc.__context__
            if not (isinstance(cause, OSError) and cause.errno == errno.EPIPE):
                raise
            interrupts.flush_quietly()
            code = 0
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Group,
    help="Topic and tone of South Asian news headlines.",
    epilog=EXIT_CODES_HELP + ".",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

EXAMPLES = (
    "KSE-100 plunges 2,000 points as rupee slides",
    "FO summons Afghan envoy over border remarks",
    "CTD arrests four suspects in Lahore",
    "Indian, Pakistani troops trade fire along LoC",
    "PCB names squad for Asia Cup",
)


class Engine(str, Enum):
    local = "local"
    dask = "dask"


class OutputFormat(str, Enum):
    csv = "csv"
    tsv = "tsv"
    jsonl = "jsonl"
    parquet = "parquet"
    table = "table"


class InputFormat(str, Enum):
    txt = "txt"
    csv = "csv"
    tsv = "tsv"
    jsonl = "jsonl"
    parquet = "parquet"


def _say(text: str) -> None:
    if isinstance(err, _LazyConsole) and err._console is None and text.isprintable() \
            and not _RICH_REWRITES.search(text):  # fmt: skip
        sys.stderr.write(text + "\n")  # what rich would print, without importing it
        sys.stderr.flush()
        return
    err.print(text, markup=False, highlight=False)


def _fail_line(exc: BaseException) -> tuple[str, int]:
    """The line and exit code for whatever ended a command."""
    signum = interrupts.received()
    if signum is not None:  # whatever surfaced, a signal came first: a reader's error may be its echo
        return interrupts.message(signum), 128 + signum
    if isinstance(exc, Interrupted):
        return interrupts.message(exc.signum), exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", 130
    if isinstance(exc, HeadlinesError):
        return str(exc), exc.exit_code
    if isinstance(exc, ModuleNotFoundError) and exc.name and not exc.name.startswith("classifier"):
        error = MissingExtraError(
            f"{exc.name} is not installed; the README's Extras section says which extra brings it"
        )
        return str(error), error.exit_code
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:  # a write not wrapped where it happened: stdout
        error = write_error(exc.filename or "standard output", exc)
        return str(error), error.exit_code
    if isinstance(exc, MemoryError):
        return "out of memory; try fewer --jobs or a smaller input", 1
    return f"unexpected {type(exc).__name__}: {exc} (a bug; {DEBUG_ENVIRONMENT}=1 shows the traceback)", 1


def _guarded(command):
    """Run a command with signals as exceptions, ending every failure with one line and its exit code."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with interrupts.stop_on_signals():
            try:
                return command(*args, **kwargs)
            except (typer.Exit, typer.Abort):
                if interrupts.received() is None:
                    raise
                exc = None
            except BrokenPipeError:  # the reader went away (`| head`): stop quietly, like other tools
                interrupts.flush_quietly()
                raise typer.Exit(0) from None
            except BaseException as exc_:  # the one place every failure is reported
                if os.environ.get(DEBUG_ENVIRONMENT) and interrupts.received() is None:
                    raise
                exc = exc_
            line, code = _fail_line(exc)
            try:
                sys.stdout.flush()
            except (OSError, ValueError):
                interrupts.flush_quietly()  # stdout itself failed (full, closed): so would the flush at exit
            _say(f"error: {line}")
            raise typer.Exit(code) from None

    return run


def _warn_line(message, category, filename, lineno, file=None, line=None) -> None:
    _say(f"warning: {message}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"headlines {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Topic and tone of South Asian news headlines."""
    warnings.showwarning = _warn_line


def _check_encoding(encoding: str | None) -> None:
    if encoding is None:
        return
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"--encoding {encoding!r}: unknown encoding (try utf-8, cp1252, latin-1)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(f"--encoding {encoding!r}: not a text encoding")


def _prediction_table(frame, title: str) -> "Table":
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    reasons = "topic_reasons" in frame.columns
    columns = [("id", "right"), ("headline", "left"), ("topic", "left"), ("conf", "right"), ("tone", "right"),
               ("tone_label", "left")] + ([("why topic", "left"), ("why tone", "left")] if reasons else [])  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for row in frame.itertuples(index=False):
        blank = row.tone_label is None or row.tone_label != row.tone_label
        unknown = not blank and getattr(row, "known_words", 1) == 0
        cells = [
            escape(str(row.id)),
            escape(str(row.headline)),
            "" if blank else row.topic + (" (no known word)" if unknown else ""),
            "" if blank else f"{row.topic_confidence:.2f}",
            "" if blank else f"{row.tone:+.2f}",
            "" if blank else row.tone_label,
        ]
        if reasons:
            cells += [
                "" if blank else escape(", ".join(f"{t} {w:+.2f}" for t, w in r))
                for r in (row.topic_reasons, row.tone_reasons)
            ]
        table.add_row(*cells)
    return table


@app.command(cls=_Command, epilog=EXIT_CODES_HELP + ".")
@_guarded
def train(
    data: Annotated[Path, typer.Option(help="Labelled corpus (CSV/TSV/JSONL/Parquet).")] = DEFAULT_DATA,
    model: Annotated[Path, typer.Option(help="Where to write the model file.")] = DEFAULT_MODEL,
    semantic_weight: Annotated[
        float,
        typer.Option(
            min=0.0,
            help=f"Weight of the semantic view (static token vectors) beside the TF-IDF views; 0 leaves "
            f"it out (the default), {SEMANTIC_WEIGHT_ON} is the weight chosen on real headlines.",
        ),
    ] = SEMANTIC_WEIGHT,
) -> None:
    """Train on a labelled corpus, print held-out figures, and save the model with its card.

    Example: headlines train --data data/headlines.csv --model models/headlines.model
    """
    from classifier.data.corpus import load_corpus
    from classifier.data.datasets import pool_path
    from classifier.figures import format_metrics, real_dev_summary
    from classifier.model.files import card_path, save_model
    from classifier.model.heads import ModelParams, classify
    from classifier.model.training import check_trainable
    from classifier.workflows import train as train_model

    try:
        model.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{model}: cannot make its folder {model.parent} ({exc.strerror})") from None
    check_writable(model)
    check_writable(card_path(model))
    for written in (model, card_path(model)):
        refuse_overwriting_inputs(written, {"--data": data})
    corpus = load_corpus(data)
    check_trainable(corpus, holdout=HOLDOUT_FRACTION)
    _say(f"training on {data} ({len(corpus.frame)} rows)...")
    real = DEFAULT_REAL_LABELS if DEFAULT_REAL_LABELS.exists() and pool_path().exists() else None
    params = ModelParams(semantic_weight=semantic_weight)
    fitted = train_model(corpus, params, real_labels=None if real is None else str(real))
    card_md = save_model(fitted, model)
    split = fitted.card["metrics"]["heldout"]["split"]
    typer.echo(f"held-out figures ({split['heldout_rows']} rows not used for fitting, seed {split['seed']}):")
    typer.echo(format_metrics(fitted.card["metrics"]["heldout"]))
    if "real_dev" in fitted.card["metrics"]:
        typer.echo(
            f"real headlines ({DEFAULT_REAL_LABELS}, split dev, labelled blind; never used for fitting):"
        )
        typer.echo(real_dev_summary(fitted.card["metrics"]["real_dev"]))
    else:
        typer.echo(f"(no real-headline figures: the pool {pool_path()} is absent; see data/README.md)")
    typer.echo(f"model written to {model} (card: {card_md}), fitted on all {len(corpus.frame)} rows")
    from rich.console import Console

    Console(soft_wrap=False).print(_prediction_table(classify(fitted, list(EXAMPLES)), "What the model says"))


@app.command("check-corpus", cls=_Command, epilog=EXIT_CODES_HELP + ".")
@_guarded
def check_corpus(
    data: Annotated[Path, typer.Option(help="Labelled corpus to check.")] = DEFAULT_DATA,
) -> None:
    """Validate a corpus and check it against the floors: counts, tone shares, openings, near-duplicates.

    When the pool of real headlines is present ($HEADLINES_POOL, else ../shared/real/pool.csv.gz),
    every row must also stay below word-trigram Jaccard 0.5 of each real headline.

    Example: headlines check-corpus --data data/headlines.csv
    """
    from classifier.data.corpus import load_corpus
    from classifier.data.datasets import pool_path, read_pool
    from classifier.data.quality import corpus_report, floor_problems, pool_problems

    corpus = load_corpus(data)
    pool = read_pool() if pool_path().exists() else None
    typer.echo(corpus_report(corpus.frame))
    problems = floor_problems(corpus.frame)
    if pool is not None:
        problems += pool_problems(corpus.frame, pool["headline"].tolist())
    if problems:
        raise DataError(str(data), problems)
    checked = "no near-duplicates" + (", no row close to a real headline" if pool is not None else "")
    typer.echo(f"{data}: meets every floor, {checked}")


def _check_report_folder(report: Path, inputs: dict[str, Path | str | None]) -> None:
    """Fail before any work if the report folder cannot be made or written, or would overwrite an input."""
    import classifier.evaluation.plots  # noqa: F401  without matplotlib (the eval extra) this fails now
    from classifier.evaluation.report import REPORT_FILES

    if report.exists() and not report.is_dir():
        raise OutputError(f"{report}: exists and is not a folder; --report needs a folder")
    existing = report
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{report}: {existing} is not a folder")
    check_writable(existing / "probe")
    for name in REPORT_FILES:
        refuse_overwriting_inputs(report / name, inputs)


@app.command("evaluate", cls=_Command, epilog=EXIT_CODES_HELP + ".")
@_guarded
def evaluate_command(
    data: Annotated[
        Path | None, typer.Option(help="Labelled file with a headline column and topic and/or tone.")
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            help=f"A labelled set as FORMAT:PATH (repeatable); FORMAT one of {', '.join(DATASET_FORMATS)}."
        ),
    ] = None,
    baseline: Annotated[
        list[str] | None,
        typer.Option(
            help="Also score a baseline on the same rows (repeatable): majority, keywords, vader, afinn, textblob."
        ),
    ] = None,
    model: Annotated[Path, typer.Option(help="Model file.")] = DEFAULT_MODEL,
    allow_pickle: Annotated[
        bool,
        typer.Option(
            help="Also load a plain joblib/pickle model file (it can run code: trusted files only)."
        ),
    ] = False,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write metrics.json, report.md, PNG plots and errors.csv into this folder."),
    ] = None,
    cv: Annotated[
        int | None,
        typer.Option(
            help="Instead: stratified K-fold figures of training on --data (no model needed).", min=2
        ),
    ] = None,
    text_column: Annotated[str, typer.Option(help="Headline column of --data or csv: sets.")] = "headline",
    topic_column: Annotated[str, typer.Option(help="Topic column of --data or csv: sets.")] = "topic",
    tone_column: Annotated[
        str,
        typer.Option(
            help="Tone column of --data or csv: sets: numbers, or the words negative/neutral/positive."
        ),
    ] = "tone",
    tone_scale: Annotated[
        str | None,
        typer.Option(
            help="Scale of numeric tone in --data and csv: sets, as LOW:HIGH (e.g. -100:100, 1:5) or S for -S:S; "
            "mapped onto [-1, 1]. Default: already in [-1, 1]."
        ),
    ] = None,
) -> None:
    """Score a model on labelled headlines, beside baselines on the same rows, with intervals and plots.

    Rows with a blank topic or tone are left out of that measure (and counted in a warning).

    Example: headlines evaluate --dataset semeval2007:affectivetext_trial.xml --baseline vader --report reports/
    """
    from classifier.data.corpus import load_corpus, load_evaluation, parse_tone_scale
    from classifier.data.datasets import load_dataset, parse_dataset_spec
    from classifier.evaluation.baselines import ALL_BASELINES
    from classifier.evaluation.report import write_report
    from classifier.figures import format_metrics
    from classifier.model.training import check_trainable
    from classifier.workflows import cross_validated_metrics, evaluate_model

    baselines = tuple(baseline or ())
    unknown = [b for b in baselines if b not in ALL_BASELINES]
    if unknown:
        raise InputError(f"--baseline {unknown[0]!r}: unknown; one of {', '.join(ALL_BASELINES)}")
    scale = parse_tone_scale(tone_scale)
    inputs: dict[str, Path | str | None] = {"--data": data, "--model": model if cv is None else None}
    for spec in dataset or ():
        inputs[f"--dataset {spec}"] = parse_dataset_spec(spec)[1]
    if json_path is not None:
        check_writable(json_path)
        refuse_overwriting_inputs(json_path, inputs)
    if report is not None:
        if cv is not None:
            raise InputError("--report needs a model's predictions; it does not go with --cv")
        _check_report_folder(report, inputs)
    columns = {"text_column": text_column, "topic_column": topic_column, "tone_column": tone_column,
               "tone_scale": scale}  # fmt: skip
    if cv is not None:
        corpus = load_corpus(data or DEFAULT_DATA)
        check_trainable(corpus, folds=cv)
        metrics = cross_validated_metrics(corpus.frame, folds=cv)
        metrics["data"] = {"path": corpus.path, "sha256": corpus.sha256, "rows": len(corpus.frame)}
        typer.echo(f"{cv}-fold cross-validated figures (every row predicted by a model that never saw it):")
        typer.echo(format_metrics(metrics))
        results_json: dict = metrics
    else:
        from classifier.model.files import load_model

        fitted = load_model(model, allow_pickle=allow_pickle)
        sets = [load_evaluation(data, **columns)] if data is not None else []
        sets += [load_dataset(spec, **columns) for spec in dataset or ()]
        if not sets:
            sets = [load_evaluation(DEFAULT_DATA)]
        results = []
        for labelled in sets:
            if labelled.sha256 == fitted.card.get("data", {}).get("sha256"):
                _say(f"warning: {labelled.path} is the model's own training data; figures are optimistic")
            result = evaluate_model(fitted, labelled, baselines, model_path=str(model))
            results.append(result)
            typer.echo(format_metrics(result.metrics) + "\n")
        results_json = results[0].metrics if len(results) == 1 else {r.data.path: r.metrics for r in results}
        if report is not None:
            written = write_report(report, results, fitted.card)
            _say(f"report written to {report}/ ({len(written)} files)")
    if json_path is not None:
        with atomic_path(json_path) as tmp:
            tmp.write_text(json.dumps(results_json, indent=2), encoding="utf-8")


def _progress(quiet: bool):
    """A rows-done, rows-per-second counter on stderr, only when stderr is a terminal."""
    if quiet or not _stderr_is_terminal():
        return None
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(), TextColumn("{task.completed:,.0f} rows"), TextColumn("{task.fields[rate]} rows/s"),
        TimeElapsedColumn(), console=err, transient=True,
    )  # fmt: skip


def _progress_counter(quiet: bool):
    """A started progress counter (or None) and the callback that counts a chunk's rows on it."""
    progress = _progress(quiet)
    if progress is None:
        return None, None
    task = progress.add_task("predict", total=None, rate="-")
    started = time.monotonic()

    def on_chunk(rows: int) -> None:
        progress.advance(task, rows)
        done = progress.tasks[0].completed
        progress.update(task, rate=f"{done / max(time.monotonic() - started, 1e-9):,.0f}")

    progress.start()
    return progress, on_chunk


def _stderr_is_terminal() -> bool:
    """rich's answer, asked only when it may be yes (importing rich for a pipe costs a fast start)."""
    if (
        isinstance(err, _LazyConsole)
        and err._console is None
        and not (os.environ.get("TTY_COMPATIBLE") or "FORCE_COLOR" in os.environ)
    ):
        try:
            if not sys.stderr.isatty():
                return False
        except (AttributeError, ValueError):  # no stream, or a closed one: rich says no too
            return False
    return err.is_terminal


def _page_rows() -> int:
    """Rows of a table that fit one screen (a row of the table is at least one line)."""
    import shutil

    return max(10, shutil.get_terminal_size((80, 24)).lines - 10)


def _report_counts(blank: int, unknown: int, shown: str = "") -> None:
    if blank:
        _say(f"warning: {blank} blank headline(s){shown} kept as rows with empty predictions")
    if unknown:
        _say(f"warning: {unknown} headline(s){shown} with no word the model knows (another script, emoji or "
             "nonsense): their topic and tone are guesses; known_words is 0, and the topic is 'uncertain' "
             "under --min-confidence")  # fmt: skip


def _resolve_keep(keep: str, input: str, column: str | None, explain: int, encoding: str | None,
                  input_format: str | None, delimiter: str | None) -> tuple[str, ...]:  # fmt: skip
    """The input columns predict carries through, checked against the input's header before any work.

    Standard input is read once, so its columns are not known before its rows: it keeps none.
    """
    if input == STDIN:
        if keep.strip() not in (KEEP_ALL, KEEP_NONE):
            raise InputError(f"standard input: --keep {keep!r} needs an input file (standard input is read "
                             "once, so its columns are not known before its rows); pass a file, or --keep none")  # fmt: skip
        return ()
    columns = input_columns(input, encoding, input_format=input_format, delimiter=delimiter)
    return resolve_keep(keep, columns, column, explain, input)


@app.command(cls=_Command, epilog=EXIT_CODES_HELP + ".")
@_guarded
def predict(
    input: Annotated[
        str,
        typer.Argument(
            metavar="INPUT",
            help="A .txt/.csv/.tsv/.jsonl/.parquet file (.gz compressed too), or - for standard input "
            "(a headline a line unless --input-format says otherwise).",
        ),
    ],
    model: Annotated[Path, typer.Option(help="Model file.")] = DEFAULT_MODEL,
    column: Annotated[str | None, typer.Option(help="Text column of a CSV/TSV/JSONL/Parquet input.")] = None,
    keep: Annotated[
        str,
        typer.Option(
            help="Input columns kept before the predictions: all, none, or COL,COL,... (standard input keeps none)."
        ),
    ] = "all",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    format: Annotated[
        OutputFormat | None,
        typer.Option(help="Output format; default: table on a terminal, else by --output suffix, else CSV."),
    ] = None,
    input_format: Annotated[
        InputFormat | None,
        typer.Option(help="Input format, for standard input or a file whose name does not say."),
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="Field separator of a CSV input (default: comma; tab for TSV).")
    ] = None,
    explain: Annotated[
        int, typer.Option(help="Add the K terms that pushed each topic most and moved each tone most.", min=0)
    ] = 0,
    min_confidence: Annotated[
        float | None,
        typer.Option(help="Call a topic 'uncertain' when its probability is below this.", min=0, max=1),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            help=f"Worker processes (default: all cores, {default_jobs()} here).", min=1, show_default=False
        ),
    ] = default_jobs(),
    encoding: Annotated[
        str | None, typer.Option(help="Input encoding (default: UTF-8, or UTF-16 by BOM).")
    ] = None,
    safe_csv: Annotated[
        bool, typer.Option(help="Prefix cells starting with = + - @ so spreadsheets do not run them.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    allow_pickle: Annotated[
        bool,
        typer.Option(
            help="Also load a plain joblib/pickle model file (it can run code: trusted files only)."
        ),
    ] = False,
    engine: Annotated[
        Engine, typer.Option(help="local: this machine; dask: a Dask cluster over a Parquet/CSV glob.")
    ] = Engine.local,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster of --jobs workers).")
    ] = None,
    scheduler_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the --scheduler to answer.", min=0.1)
    ] = SCHEDULER_TIMEOUT,
) -> None:
    """Label every headline with its topic, runner-up, probabilities and tone, in input order.

    Example: echo "KSE-100 plunges 2,000 points as rupee slides" | headlines predict -
    """
    from classifier.io.readers import check_input_options

    _check_encoding(encoding)
    if jobs > max_jobs():
        raise InputError(f"--jobs {jobs}: at most {max_jobs()} on this machine")
    fmt_in = check_input_options(input, column, input_format.value if input_format else None, delimiter,
                                 glob=engine == Engine.dask)  # fmt: skip
    if engine == Engine.dask:
        _predict_on_dask(input, model, output, format, column, scheduler, scheduler_timeout, jobs, explain,
                         min_confidence, encoding, safe_csv, allow_pickle, fmt_in, delimiter, keep)  # fmt: skip
        return
    fmt = output_format_for(output, format.value if format else None, sys.stdout.isatty())
    if output is not None:
        if fmt == "table":
            raise OutputError(
                f"{output}: the table format is for a terminal; write csv, tsv, jsonl or parquet"
            )
        check_writable(output)
        refuse_overwriting_inputs(output, {"input": input, "--model": model})
    kept = _resolve_keep(keep, input, column, explain, encoding, fmt_in, delimiter)
    fitted = load_predictor(model, allow_pickle=allow_pickle, explain=explain)
    reading = {"column": column, "encoding": encoding, "input_format": fmt_in, "delimiter": delimiter,
               "keep": kept}  # fmt: skip
    if fmt != "table" and engine == Engine.local and _predict_plain(
        fitted, input, output, fmt, fmt_in, column, kept, delimiter, encoding, safe_csv, jobs, min_confidence,
        explain, quiet,
    ):  # fmt: skip
        return
    if fmt == "table":
        from rich.console import Console

        from classifier.predict.stream import predict_page

        page = predict_page(fitted, input, _page_rows(), explain=explain, min_confidence=min_confidence,
                            **reading)  # fmt: skip
        Console(soft_wrap=False).print(_prediction_table(page.frame, f"{page.total:,} headlines"))
        if page.total > len(page.frame):
            _say(f"showing the first {len(page.frame):,} of {page.total:,} rows; write them all with --output FILE "
                 "(or pipe them: | less)")  # fmt: skip
        _report_counts(page.blank, page.unknown, " among those shown" if page.total > len(page.frame) else "")
        return
    progress, on_chunk = _progress_counter(quiet)
    try:
        summary = predict_to_file(fitted, input, output, fmt, safe_csv=safe_csv, jobs=jobs, explain=explain,
                                  min_confidence=min_confidence, on_chunk=on_chunk, **reading)  # fmt: skip
    finally:
        if progress is not None:
            progress.stop()
    _report_counts(summary.blank, summary.unknown)


def _predict_plain(
    fitted, input: str, output: Path | None, fmt: str, fmt_in: str | None, column: str | None,
    kept: tuple[str, ...], delimiter: str | None, encoding: str | None, safe_csv: bool, jobs: int,
    min_confidence: float | None, explain: int, quiet: bool,
) -> bool:  # fmt: skip
    """Predict the fast way (no pandas, no pyarrow) when the run allows it; False: take the full path.

    The fast path gives the same bytes; an input it doubts is handed back before any output,
    standard input included (it was read into memory, and is put back for the full path).
    """
    from classifier.io.plain import Doubt, plain_readable
    from classifier.model.runtime import Runtime
    from classifier.predict.plain import plain_possible, predict_plain

    if not (isinstance(fitted, Runtime) and plain_possible(fmt, explain, True)
            and plain_readable(input, fmt_in, encoding, delimiter)):  # fmt: skip
        return False
    progress, on_chunk = _progress_counter(quiet)
    try:
        summary, _ = predict_plain(fitted, input, output, fmt, fmt_in, column, kept, delimiter, safe_csv=safe_csv,
                                   jobs=jobs, min_confidence=min_confidence, on_chunk=on_chunk)  # fmt: skip
    except Doubt as doubt:
        if doubt.args and isinstance(doubt.args[0], bytes):
            _put_back_stdin(doubt.args[0])
        return False
    finally:
        if progress is not None:
            progress.stop()
    _report_counts(summary.blank, summary.unknown)
    return True


def _put_back_stdin(data: bytes) -> None:
    """Let the full path read again what the fast path read from standard input."""
    import io

    raw = getattr(sys.stdin, "buffer", None)
    replay = io.BufferedReader(io.BytesIO(data)) if hasattr(raw, "peek") else io.BytesIO(data)
    sys.stdin = io.TextIOWrapper(replay, newline="")


def _predict_on_dask(
    pattern: str, model: Path, output: Path | None, format: OutputFormat | None, column: str | None,
    scheduler: str | None, scheduler_timeout: float, jobs: int, explain: int, min_confidence: float | None,
    encoding: str | None, safe_csv: bool, allow_pickle: bool, input_format: str | None, delimiter: str | None,
    keep: str = "all",
) -> None:  # fmt: skip
    from classifier.predict.distributed import check_output_folder, run_on_cluster

    if output is None:
        raise OutputError("--engine dask writes one file per partition: give --output FOLDER")
    fmt = format.value if format else "parquet"
    if fmt == "table":
        raise OutputError(f"{output}: the table format is for a terminal; write csv, tsv, jsonl or parquet")
    check_output_folder(output)
    load_predictor(model, allow_pickle=allow_pickle, explain=explain)  # fail here, before any cluster starts
    summary = run_on_cluster(
        pattern, model, output, fmt, column, scheduler, jobs, explain, min_confidence, keep,
        encoding=encoding, safe_csv=safe_csv, allow_pickle=allow_pickle, input_format=input_format,
        delimiter=delimiter, timeout=scheduler_timeout,
    )  # fmt: skip
    _report_counts(summary.blank, summary.unknown)
    _say(f"predictions written to {output}/ as {fmt} ({summary.rows:,} rows, {summary.files} file(s))")


SERVE_EXTRA_HINT = "headlines serve needs the serve extra ({missing} is not installed): pip install 'headlines-classifier[serve]'"


@app.command(cls=_Command, epilog=EXIT_CODES_HELP + ".")
@_guarded
def serve(
    model: Annotated[Path, typer.Option(help="Model file.")] = DEFAULT_MODEL,
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback by default: only this machine can connect).")
    ] = SERVE_HOST,
    port: Annotated[
        int, typer.Option(help="Port to listen on (0: any free port).", min=0, max=65535)
    ] = SERVE_PORT,
    workers: Annotated[
        int, typer.Option(help="Processes forked after loading the model, sharing it.", min=1, max=64)
    ] = SERVE_WORKERS,
    max_body_bytes: Annotated[
        int, typer.Option(help="Largest request body, in bytes.", min=1)
    ] = SERVE_MAX_BODY_BYTES,
    max_headlines: Annotated[
        int, typer.Option(help="Most headlines in one request.", min=1)
    ] = SERVE_MAX_HEADLINES,
    body_timeout: Annotated[
        float, typer.Option(help="Seconds a client may take to send a request body.", min=0.1)
    ] = SERVE_BODY_TIMEOUT,
    allow_pickle: Annotated[
        bool,
        typer.Option(
            help="Also load a plain joblib/pickle model file (it can run code: trusted files only)."
        ),
    ] = False,
) -> None:
    """Serve the model over HTTP: a JSON/CSV API, a page to paste headlines into, metrics and API docs.

    Example: headlines serve --model models/headlines.model --port 8000 --workers 2
    """
    try:
        from classifier.serve import Limits, run_server
    except ImportError as exc:
        raise MissingExtraError(SERVE_EXTRA_HINT.format(missing=exc.name or exc)) from None

    def announce(url: str) -> None:
        typer.echo(f"serving {model} at {url} ({workers} worker{'s' if workers > 1 else ''}); "
                   f"API docs at {url}docs; Ctrl-C stops")  # fmt: skip
        if not url.startswith(("http://127.", "http://[::1]", "http://localhost")):
            _say(f"warning: listening on {host}: other machines can reach it, with no authentication")
        sys.stdout.flush()

    from classifier.model.files import load_model

    fitted = load_model(model, allow_pickle=allow_pickle)
    limits = Limits(max_body_bytes=max_body_bytes, max_headlines=max_headlines, body_timeout=body_timeout)
    with _serving_signals():  # Ctrl-C or SIGTERM is how a service ends: it stops and exits 0
        run_server(fitted, host, port, workers, limits, announce=announce)


@contextmanager
def _serving_signals():
    """While serving, SIGINT and SIGTERM stop the server and end the command normally (not `Interrupted`)."""
    import signal

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except KeyboardInterrupt:
        pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class Every(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


@app.command(cls=_Command, epilog=EXIT_CODES_HELP + ".")
@_guarded
def summarize(
    predictions: Annotated[Path, typer.Argument(help="A predictions file (CSV/TSV/JSONL/Parquet) or a folder of them.")],
    by: Annotated[list[str] | None, typer.Option(help="Group by this column (repeatable), e.g. country, outlet.")] = None,
    time: Annotated[str | None, typer.Option(help="Date column: summarise per time bucket.")] = None,
    every: Annotated[Every | None, typer.Option(help="Bucket size with --time (default week, from Monday).")] = None,
    output: Annotated[Path | None, typer.Option(help="Write the table here (.csv or .parquet).")] = None,
    spikes: Annotated[bool, typer.Option("--spikes", help="List buckets that depart from their trailing baseline.")] = False,
    window: Annotated[int, typer.Option(help="Spikes: earlier buckets in the baseline.", min=2)] = SPIKE_WINDOW,
    threshold: Annotated[float, typer.Option(help="Spikes: robust z beyond which a bucket is one.", min=0)] = SPIKE_THRESHOLD,
    plot: Annotated[Path | None, typer.Option(help="Draw shares and tone over time to this PNG.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write summary.csv, spikes.csv, trends.png, report.md here.")] = None,
    dayfirst: Annotated[bool, typer.Option("--dayfirst/--monthfirst", help="Read 05/03/2024 as 5 March or 3 May.")] = DATE_DAYFIRST,
) -> None:  # fmt: skip
    """Topic shares and mean tone (95% t interval) per group and time bucket, with spikes and a plot.

    Example: headlines summarize labelled.csv --by country --time date --every week --spikes --plot trends.png
    """
    from classifier.trends.files import summarize_file, table_for_output, write_table, write_trend_report
    from classifier.trends.summary import find_spikes

    for target, suffixes in ((output, (".csv", ".parquet")), (plot, (".png",))):
        if target is not None:
            if target.suffix.lower() not in suffixes:
                raise InputError(f"{target}: write it as {' or '.join(suffixes)}")
            check_writable(target)
            refuse_overwriting_inputs(target, {"predictions": predictions})
    if (spikes or plot) and time is None:
        raise InputError("--spikes and --plot need --time COLUMN (the column of dates)")
    if plot is not None or report is not None:
        import classifier.trends.plots  # noqa: F401  without matplotlib (the plots extra) this fails now
    summary, _ = summarize_file(predictions, tuple(by or ()), time, every.value if every else None, dayfirst)
    for note in summary.notes()[:-1]:  # the last note is the interval rule, shown with the table
        _say(f"warning: {predictions}: {note}")
    found = find_spikes(summary, window, threshold) if time is not None and (spikes or plot or report) else []
    table = table_for_output(summary.table)
    to_stdout = output is None
    if output is not None:
        write_table(table, output)
        _say(f"summary written to {output} ({len(table):,} rows)")
    elif sys.stdout.isatty():
        from rich.console import Console

        console = Console(soft_wrap=False)
        for table in _summary_tables(summary):
            console.print(table)
    else:
        sys.stdout.write(table.to_csv(index=False))
    if spikes:
        text = _spikes_text(found, summary.by)
        if to_stdout and not sys.stdout.isatty():
            err.print(text, markup=False, highlight=False)  # keep the CSV on stdout clean
        else:
            from rich.console import Console

            Console(soft_wrap=True).print(text, markup=False, highlight=False)
    if plot is not None:
        from classifier.trends.plots import save_trends_png

        save_trends_png(plot, summary, found)
        _say(f"plot written to {plot}")
    if report is not None:
        written = write_trend_report(report, summary, found, str(predictions), window, threshold)
        _say(f"report written to {report}/ ({len(written)} files)")


def _summary_tables(summary) -> "list[Table]":
    """The summary as two readable tables: topic shares in percent, and tone with its interval."""
    import pandas as pd
    from rich import box
    from rich.table import Table

    keys = [*summary.by, *(["period"] if summary.time else [])]
    tone_topics = [t for t in summary.topics if f"tone_{t}" in summary.table.columns]
    shares = Table(title="Topic shares (% of the rows with a prediction)", box=box.SIMPLE_HEAD)
    tones = Table(
        title="Mean tone [95% t interval], and the mean tone of each topic's rows", box=box.SIMPLE_HEAD
    )
    for table in (shares, tones):
        for name in keys:
            table.add_column(name, no_wrap=True)
        table.add_column("rows", justify="right")
    for name in summary.topics:
        shares.add_column(name, justify="right")
    tones.add_column("tone [95%]", justify="right", no_wrap=True)
    for name in tone_topics:
        tones.add_column(name, justify="right")
    for record in summary.table.to_dict("records"):
        head = [str(record[c]) if c != "period" else f"{record[c]:%Y-%m-%d}" for c in keys]
        head.append(f"{record['rows']:,}")
        shares.add_row(*head, *(f"{100 * record[f'share_{t}']:.1f}" for t in summary.topics))
        tone = f"{record['tone_mean']:+.2f} [{record['tone_low']:+.2f}, {record['tone_high']:+.2f}]"
        per_topic = [
            "" if pd.isna(record[f"tone_{t}"]) else f"{record[f'tone_{t}']:+.2f}" for t in tone_topics
        ]
        tones.add_row(*head, tone, *per_topic)
    return [shares, tones]


def _spikes_text(spikes, by: tuple[str, ...]) -> str:
    if not spikes:
        return "no spikes"
    lines = [f"{len(spikes)} spike(s):"]
    for spike in spikes:
        lines.append(f"- {spike.describe(by)}")
        lines += [
            f"    {e.headline}  ({e.topic} {e.topic_confidence:.2f}, tone {e.tone:+.2f})"
            for e in spike.headlines
        ]
    return "\n".join(lines)
