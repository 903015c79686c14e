"""`python -m qlikreconcile` runs the CLI."""

from __future__ import annotations

from qlikreconcile.cli import main

# Guarded: a worker process of a fleet read (spawned) imports this module again, as __mp_main__.
if __name__ == "__main__":
    main()
