"""``python -m svodka`` is the ``svodka`` command."""

from svodka.cli import app

app(prog_name="svodka")
