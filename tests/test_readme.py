"""The README stays true: every make target, command and option it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    mentioned = set(re.findall(r"`make ([a-z][a-z-]*)", README)) | set(
        re.findall(r"^make ([a-z][a-z-]*)", README, re.MULTILINE)
    )
    assert mentioned and mentioned <= targets


def test_commands_and_options_exist():
    runner = CliRunner()
    shell = "\n".join(re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL))
    commands = set(re.findall(r"headlines ([a-z][a-z-]+)", shell))
    assert {"train", "evaluate", "predict", "check-corpus", "serve"} <= commands
    helps = {c: runner.invoke(app, [c, "--help"], terminal_width=200).output for c in commands}
    assert all(h and "Usage" in h for h in helps.values()), commands
    for line in README.splitlines():
        match = re.search(r"headlines (predict|evaluate|train|check-corpus|serve)\b(.*)", line)
        if match:
            for option in re.findall(r"(--[a-z][a-z-]+)", match.group(2)):
                assert option in helps[match.group(1)], f"{option} not an option of {match.group(1)}"


def test_ci_runs_the_readme_test_command():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.slow
def test_python_example_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks
    (tmp_path / "data").symlink_to(ROOT / "data")
    (tmp_path / "models").mkdir()
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    assert (tmp_path / "models" / "headlines.model").exists()


def test_make_help_is_aligned():
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("needs make")
    lines = subprocess.run(["make", "-s", "--no-print-directory", "help"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.splitlines()  # fmt: skip
    assert len(lines) >= 10
    starts = {len(line) - len(line.split(None, 2)[2]) for line in lines}
    assert len(starts) == 1, lines  # every description starts in the same column


def _shell_lines() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_shell_examples_run_from_the_venv_not_the_system_python():
    for line in _shell_lines():
        for command in re.split(r"\|", line):
            words = command.split()
            assert not words or words[0] not in ("python", "python3", "headlines", "pip"), (
                f"runs the system {words[0]}, which lacks the package: {line}"
            )
    assert "source .venv/bin/activate" in README  # and says how to use the short names


def test_the_exit_codes_table_is_the_one_the_command_uses():
    from classifier.errors import EXIT_CODES

    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    codes = [int(c) for c in re.findall(r"^\| (\d+) \|", section, flags=re.MULTILINE)]
    assert codes == list(EXIT_CODES)


def test_fresh_clone_users_learn_where_the_public_sets_come_from():
    section = README.split("## Public sets", 1)[1].split("\n## ", 1)[0]
    assert "../shared/dev" in section and "skipped" in section
    for folder in ("semeval2007_trial", "financial_phrasebank", "sentfin", "cnh_psx", "ag_news"):
        assert folder in section
