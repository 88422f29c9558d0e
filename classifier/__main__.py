"""Allow `python -m classifier ...`."""

from classifier.cli import app

app(prog_name="headlines")
