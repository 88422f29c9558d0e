"""The `headlines` command line: thin wrappers that parse options and call library functions."""

from __future__ import annotations

import json
import sys
import time
import warnings
from enum import Enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from classifier import __version__
from classifier.config import (
    DATE_DAYFIRST,
    DEFAULT_DATA,
    DEFAULT_MODEL,
    DEFAULT_REAL_LABELS,
    SERVE_BODY_TIMEOUT,
    SERVE_HOST,
    SERVE_MAX_BODY_BYTES,
    SERVE_MAX_HEADLINES,
    SERVE_PORT,
    SERVE_WORKERS,
    SPIKE_THRESHOLD,
    SPIKE_WINDOW,
)
from classifier.errors import DataError, HeadlinesError, InputError, OutputError
from classifier.io import input_columns
from classifier.keep import resolve_keep
from classifier.predict import default_jobs, predict_table, predict_to_file
from classifier.store import load_model, save_model
from classifier.writers import atomic_path, check_writable, output_format_for

app = typer.Typer(
    help="Topic and tone of South Asian news headlines.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)

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


def _fail(exc: HeadlinesError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False)
    return typer.Exit(exc.exit_code)


def _warn_line(message, category, filename, lineno, file=None, line=None) -> None:
    err.print(f"warning: {message}", markup=False, highlight=False)


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


def _prediction_table(frame, title: str) -> Table:
    table = Table(title=title, show_lines=False)
    reasons = "topic_reasons" in frame.columns
    columns = [("id", "right"), ("headline", "left"), ("topic", "left"), ("conf", "right"), ("tone", "right"),
               ("tone_label", "left")] + ([("why topic", "left"), ("why tone", "left")] if reasons else [])  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify, overflow="fold")
    for row in frame.itertuples(index=False):
        blank = row.tone_label is None or row.tone_label != row.tone_label
        cells = [
            str(row.id),
            str(row.headline),
            "" if blank else row.topic,
            "" if blank else f"{row.topic_confidence:.2f}",
            "" if blank else f"{row.tone:+.2f}",
            "" if blank else row.tone_label,
        ]
        if reasons:
            cells += [
                "" if blank else ", ".join(f"{t} {w:+.2f}" for t, w in r)
                for r in (row.topic_reasons, row.tone_reasons)
            ]
        table.add_row(*cells)
    return table


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Labelled corpus (CSV/TSV/JSONL/Parquet).")] = DEFAULT_DATA,
    model: Annotated[Path, typer.Option(help="Where to write the model file.")] = DEFAULT_MODEL,
) -> None:
    """Train on a labelled corpus, print held-out figures, and save the model with its card.

    Example: headlines train --data data/headlines.csv --model models/headlines.model
    """
    from classifier.data import load_corpus
    from classifier.datasets import pool_path
    from classifier.evaluate import format_metrics, real_dev_summary
    from classifier.model import classify
    from classifier.training import train as train_model

    try:
        model.parent.mkdir(parents=True, exist_ok=True)
        check_writable(model)
        corpus = load_corpus(data)
        err.print(f"training on {data} ({len(corpus.frame)} rows)...", highlight=False)
        real = DEFAULT_REAL_LABELS if DEFAULT_REAL_LABELS.exists() and pool_path().exists() else None
        fitted = train_model(corpus, real_labels=None if real is None else str(real))
        card_md = save_model(fitted, model)
    except HeadlinesError as exc:
        raise _fail(exc) from None
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
    Console(soft_wrap=False).print(_prediction_table(classify(fitted, list(EXAMPLES)), "What the model says"))


@app.command("check-corpus")
def check_corpus(
    data: Annotated[Path, typer.Option(help="Labelled corpus to check.")] = DEFAULT_DATA,
) -> None:
    """Validate a corpus and check it against the floors: counts, tone shares, openings, near-duplicates.

    When the pool of real headlines is present ($HEADLINES_POOL, else ../shared/real/pool.csv.gz),
    every row must also stay below word-trigram Jaccard 0.5 of each real headline.

    Example: headlines check-corpus --data data/headlines.csv
    """
    from classifier.data import load_corpus
    from classifier.datasets import pool_path, read_pool
    from classifier.quality import corpus_report, floor_problems, pool_problems

    try:
        corpus = load_corpus(data)
        pool = read_pool() if pool_path().exists() else None
    except HeadlinesError as exc:
        raise _fail(exc) from None
    typer.echo(corpus_report(corpus.frame))
    problems = floor_problems(corpus.frame)
    if pool is not None:
        problems += pool_problems(corpus.frame, pool["headline"].tolist())
    if problems:
        raise _fail(DataError(str(data), problems))
    checked = "no near-duplicates" + (", no row close to a real headline" if pool is not None else "")
    typer.echo(f"{data}: meets every floor, {checked}")


@app.command("evaluate")
def evaluate_command(
    data: Annotated[
        Path | None, typer.Option(help="Labelled file with a headline column and topic and/or tone.")
    ] = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            help="A public set as FORMAT:PATH (repeatable); FORMAT one of semeval2007, semeval2017, phrasebank, sentfin, cnh-psx, agnews, csv."
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
        typer.Option(help="Instead: stratified K-fold figures of training on --data (no model needed)."),
    ] = None,
    text_column: Annotated[str, typer.Option(help="Headline column of --data or csv: sets.")] = "headline",
    topic_column: Annotated[str, typer.Option(help="Topic column of csv: sets.")] = "topic",
    tone_column: Annotated[str, typer.Option(help="Tone column of csv: sets.")] = "tone",
) -> None:
    """Score a model on labelled headlines, beside baselines on the same rows, with intervals and plots.

    Example: headlines evaluate --dataset semeval2007:affectivetext_trial.xml --baseline vader --report reports/
    """
    from classifier.baselines import ALL_BASELINES
    from classifier.data import load_corpus, load_evaluation
    from classifier.datasets import load_dataset
    from classifier.evaluate import evaluate, format_metrics
    from classifier.model import predict_texts
    from classifier.report import DatasetResult, write_report
    from classifier.training import cross_validated_metrics

    baselines = tuple(baseline or ())
    unknown = [b for b in baselines if b not in ALL_BASELINES]
    try:
        if unknown:
            raise InputError(f"--baseline {unknown[0]!r}: unknown; one of {', '.join(ALL_BASELINES)}")
        for target in (json_path,):
            if target is not None:
                check_writable(target)
        if cv is not None:
            corpus = load_corpus(data or DEFAULT_DATA)
            metrics = cross_validated_metrics(corpus.frame, folds=cv)
            metrics["data"] = {"path": corpus.path, "sha256": corpus.sha256, "rows": len(corpus.frame)}
            typer.echo(
                f"{cv}-fold cross-validated figures (every row predicted by a model that never saw it):"
            )
            typer.echo(format_metrics(metrics))
            results_json: dict = metrics
        else:
            fitted = load_model(model, allow_pickle=allow_pickle)
            sets = [load_evaluation(data, text_column=text_column)] if data is not None else []
            sets += [load_dataset(spec, text_column, topic_column, tone_column) for spec in dataset or ()]
            if not sets:
                sets = [load_evaluation(DEFAULT_DATA)]
            results = []
            for labelled in sets:
                if labelled.sha256 == fitted.card.get("data", {}).get("sha256"):
                    err.print(f"warning: {labelled.path} is the model's own training data; figures are optimistic",
                              highlight=False)  # fmt: skip
                predictions = predict_texts(fitted, labelled.frame["headline"].tolist())
                metrics = evaluate(fitted, labelled, baselines, predictions=predictions)
                metrics["model"] = {"path": str(model), "created_utc": fitted.card.get("created_utc")}
                results.append(DatasetResult(labelled, predictions, metrics))
                typer.echo(format_metrics(metrics) + "\n")
            results_json = (
                results[0].metrics if len(results) == 1 else {r.data.path: r.metrics for r in results}
            )
            if report is not None:
                written = write_report(report, results, fitted.card)
                err.print(f"report written to {report}/ ({len(written)} files)", highlight=False)
        if json_path is not None:
            with atomic_path(json_path) as tmp:
                tmp.write_text(json.dumps(results_json, indent=2), encoding="utf-8")
    except (HeadlinesError, ImportError) as exc:
        raise _fail(exc if isinstance(exc, HeadlinesError) else InputError(str(exc))) from None


def _progress(quiet: bool):
    """A rows-done, rows-per-second counter on stderr, only when stderr is a terminal."""
    if quiet or not err.is_terminal:
        return None
    return Progress(
        SpinnerColumn(), TextColumn("{task.completed:,.0f} rows"), TextColumn("{task.fields[rate]} rows/s"),
        TimeElapsedColumn(), console=err, transient=True,
    )  # fmt: skip


@app.command()
def predict(
    input: Annotated[str, typer.Argument(help="A .txt/.csv/.tsv/.jsonl/.parquet file, or - for stdin.")],
    model: Annotated[Path, typer.Option(help="Model file.")] = DEFAULT_MODEL,
    column: Annotated[str | None, typer.Option(help="Text column of a CSV/TSV/JSONL/Parquet input.")] = None,
    keep: Annotated[
        str, typer.Option(help="Input columns kept before the predictions: all, none, or COL,COL,...")
    ] = "all",
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    format: Annotated[
        OutputFormat | None,
        typer.Option(help="Output format; default: table on a terminal, else by --output suffix, else CSV."),
    ] = None,
    explain: Annotated[
        int, typer.Option(help="Add the K terms that pushed each topic most and moved each tone most.", min=0)
    ] = 0,
    min_confidence: Annotated[
        float | None,
        typer.Option(help="Call a topic 'uncertain' when its probability is below this.", min=0, max=1),
    ] = None,
    jobs: Annotated[int, typer.Option(help="Worker processes (default: all cores).", min=1)] = default_jobs(),
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
) -> None:
    """Label every headline with its topic, runner-up, probabilities and tone, in input order.

    Example: echo "KSE-100 plunges 2,000 points as rupee slides" | headlines predict -
    """
    if engine == Engine.dask:
        _predict_on_dask(input, model, output, format, column, scheduler, jobs, explain, min_confidence, keep)
        return
    fmt = output_format_for(output, format.value if format else None, sys.stdout.isatty())
    try:
        if output is not None:
            if fmt == "table":
                raise OutputError(
                    f"{output}: the table format is for a terminal; write csv, tsv, jsonl or parquet"
                )
            check_writable(output)
        kept = resolve_keep(keep, input_columns(input, encoding), column, explain, input)
        fitted = load_model(model, allow_pickle=allow_pickle)
        if fmt == "table":
            frame = predict_table(fitted, input, column, encoding, explain, min_confidence, kept)
            blank = int(frame["topic"].isna().sum())
            Console(soft_wrap=False).print(_prediction_table(frame, f"{len(frame)} headlines"))
        else:
            progress = _progress(quiet)
            on_chunk = None
            if progress is not None:
                task = progress.add_task("predict", total=None, rate="-")
                started = time.monotonic()

                def on_chunk(rows: int) -> None:
                    progress.advance(task, rows)
                    done = progress.tasks[0].completed
                    progress.update(task, rate=f"{done / max(time.monotonic() - started, 1e-9):,.0f}")

                progress.start()
            try:
                summary = predict_to_file(
                    fitted, input, output, fmt, column, safe_csv=safe_csv,
                    encoding=encoding, jobs=jobs, explain=explain, min_confidence=min_confidence, on_chunk=on_chunk,
                    keep=kept,
                )  # fmt: skip
            finally:
                if progress is not None:
                    progress.stop()
            blank = summary.blank
    except HeadlinesError as exc:
        raise _fail(exc) from None
    if blank:
        err.print(f"warning: {blank} blank headline(s) kept as rows with empty predictions", highlight=False)


def _predict_on_dask(
    pattern: str, model: Path, output: Path | None, format: OutputFormat | None, column: str | None,
    scheduler: str | None, jobs: int, explain: int, min_confidence: float | None, keep: str = "all",
) -> None:  # fmt: skip
    from classifier.distributed import run_on_cluster

    try:
        if output is None:
            raise OutputError("--engine dask writes one file per partition: give --output FOLDER")
        load_model(model)  # fail here, clearly, before any cluster starts
        fmt = format.value if format else "parquet"
        folder = run_on_cluster(
            pattern, model, output, fmt, column, scheduler, jobs, explain, min_confidence, keep
        )
    except HeadlinesError as exc:
        raise _fail(exc) from None
    err.print(f"predictions written to {folder}/ as {fmt}", highlight=False)


SERVE_EXTRA_HINT = "headlines serve needs the serve extra ({missing} is not installed): pip install 'headlines-classifier[serve]'"


@app.command()
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
        raise _fail(InputError(SERVE_EXTRA_HINT.format(missing=exc.name or exc))) from None

    def announce(url: str) -> None:
        typer.echo(f"serving {model} at {url} ({workers} worker{'s' if workers > 1 else ''}); "
                   f"API docs at {url}docs; Ctrl-C stops")  # fmt: skip
        if not url.startswith(("http://127.", "http://[::1]", "http://localhost")):
            err.print(f"warning: listening on {host}: other machines can reach it, with no authentication",
                      highlight=False)  # fmt: skip
        sys.stdout.flush()

    try:
        fitted = load_model(model, allow_pickle=allow_pickle)
        limits = Limits(max_body_bytes=max_body_bytes, max_headlines=max_headlines, body_timeout=body_timeout)
        run_server(fitted, host, port, workers, limits, announce=announce)
    except HeadlinesError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        pass


class Every(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


@app.command()
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
    from classifier.trend_io import summarize_file, table_for_output, write_table, write_trend_report
    from classifier.trends import find_spikes

    try:
        for target, suffixes in ((output, (".csv", ".parquet")), (plot, (".png",))):
            if target is not None:
                if target.suffix.lower() not in suffixes:
                    raise InputError(f"{target}: write it as {' or '.join(suffixes)}")
                check_writable(target)
        if (spikes or plot) and time is None:
            raise InputError("--spikes and --plot need --time COLUMN (the column of dates)")
        summary, _ = summarize_file(
            predictions, tuple(by or ()), time, every.value if every else None, dayfirst
        )
        for note in summary.notes()[:-1]:  # the last note is the interval rule, shown with the table
            err.print(f"warning: {predictions}: {note}", highlight=False)
        found = (
            find_spikes(summary, window, threshold) if time is not None and (spikes or plot or report) else []
        )
        table = table_for_output(summary.table)
        to_stdout = output is None
        if output is not None:
            write_table(table, output)
            err.print(f"summary written to {output} ({len(table):,} rows)", highlight=False)
        elif sys.stdout.isatty():
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
                Console(soft_wrap=True).print(text, markup=False, highlight=False)
        if plot is not None:
            from classifier.trend_plots import save_trends_png

            save_trends_png(plot, summary, found)
            err.print(f"plot written to {plot}", highlight=False)
        if report is not None:
            written = write_trend_report(report, summary, found, str(predictions), window, threshold)
            err.print(f"report written to {report}/ ({len(written)} files)", highlight=False)
    except HeadlinesError as exc:
        raise _fail(exc) from None


def _summary_tables(summary) -> list[Table]:
    """The summary as two readable tables: topic shares in percent, and tone with its interval."""
    from rich import box

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
