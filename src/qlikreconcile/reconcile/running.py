"""The event loop the commands run on (:mod:`..qlik.event_loop`), for the CLI."""

from __future__ import annotations

from qlikreconcile.qlik.event_loop import run as run
