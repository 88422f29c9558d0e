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
    assert {"train", "evaluate", "predict", "check-corpus"} <= commands
    helps = {c: runner.invoke(app, [c, "--help"], terminal_width=200).output for c in commands}
    assert all(h and "Usage" in h for h in helps.values()), commands
    for line in README.splitlines():
        match = re.search(r"headlines (predict|evaluate|train|check-corpus)\b(.*)", line)
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
