"""Quirks are declared once: unique names, a source each, and every mention points at one."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import qlikreconcile.emulator as emulator_pkg
from qlikreconcile.emulator import QUIRKS, Quirks
from qlikreconcile.qlik import quirks as client_quirks
from tests.emulator.conftest import Emu

PACKAGE = Path(emulator_pkg.__file__).parent
MENTION = re.compile(r"quirks? `{0,2}([a-z_]+\.[A-Za-z_.]*[A-Za-z_](?:\.\*)?)")


def test_names_unique_and_sourced() -> None:
    names = [q.name for q in QUIRKS]
    assert len(names) == len(set(names))
    assert all(q.source.strip() and q.assumption.strip() for q in QUIRKS)


def test_every_mention_names_a_declared_quirk() -> None:
    declared = {q.name for q in QUIRKS}
    mentioned = set()
    for path in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.md")]:
        mentioned |= {(path.name, m) for m in MENTION.findall(path.read_text())}

    def known(mention: str) -> bool:
        if mention.endswith(".*"):
            return any(d.startswith(mention[:-1]) for d in declared)
        return mention in declared

    unknown = sorted(f"{f}: {m}" for f, m in mentioned if not known(m))
    assert unknown == []


def test_switches_are_documented_by_a_quirk() -> None:
    text = " ".join(q.assumption for q in QUIRKS)
    assert [f.name for f in fields(Quirks) if f"Quirks.{f.name}" not in text] == []


def test_client_names_its_emulator_counterparts() -> None:
    doc = client_quirks.__doc__ or ""
    declared = {q.name for q in QUIRKS}
    for name in ("token.expires_in", "apps.export", "apps.republish.origin"):
        assert name in doc
        assert name in declared
    assert "apps.republish.sheets" in doc


async def test_quirks_are_served(emu: Emu) -> None:
    async with emu.client() as c:
        body = (await c.get("/_emulator/quirks")).json()
    assert {q["name"] for q in body["quirks"]} == {q.name for q in QUIRKS}
    assert set(body["switches"]) == {f.name for f in fields(Quirks)}
