"""`python -m qlikreconcile` runs the CLI."""

from __future__ import annotations

from qlikreconcile.cli import main

main()
