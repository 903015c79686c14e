"""The emulator's app export format (its stand-in for a .qvf file).

``MAGIC`` (``b"QLIKEMU-APP\\x00v1\\n"``) followed by ``gzip(mtime=0)`` of canonical JSON
(sorted keys, compact separators, UTF-8)::

    {"format": "qlikreconcile-emulator-app", "version": 1, "name", "description", "usage",
     "script", "sheets": [{"id", "title"}], "dataModel": {"tables": [...]} | null}

Only content goes in (no ids, owners or timestamps), so exporting the same content twice gives
identical bytes and digests are stable. ``dataModel`` is null for ``NoData=true`` exports.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from qlikreconcile.emulator.state.apps import App, DataModel

MAGIC = b"QLIKEMU-APP\x00v1\n"
FORMAT = "qlikreconcile-emulator-app"


@dataclass(frozen=True)
class ArchiveSheet:
    id: str
    title: str


@dataclass(frozen=True)
class AppArchive:
    name: str
    description: str
    usage: str
    script: str
    sheets: tuple[ArchiveSheet, ...]
    data_model: DataModel | None


class ArchiveError(ValueError):
    """The bytes are not an emulator app export."""


def export_app(app: App, *, with_data: bool) -> bytes:
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": 1,
        "name": app.name,
        "description": app.description,
        "usage": app.usage,
        "script": app.current_script(),
        "sheets": [{"id": s.id, "title": s.title} for s in app.sheets if s.type == "base"],
        "dataModel": app.data_model.model_dump(mode="json")
        if with_data and app.data_model
        else None,
    }
    payload = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return MAGIC + gzip.compress(payload, compresslevel=9, mtime=0)


def read_archive(data: bytes) -> AppArchive:
    if not data.startswith(MAGIC):
        raise ArchiveError("not an emulator app export (bad magic)")
    try:
        doc = json.loads(gzip.decompress(data[len(MAGIC) :]))
    except (OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"corrupt app export: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != 1:
        raise ArchiveError("unsupported app export format")
    try:
        sheets = tuple(ArchiveSheet(str(s["id"]), str(s["title"])) for s in doc.get("sheets", []))
        model = doc.get("dataModel")
        return AppArchive(
            name=str(doc["name"]),
            description=str(doc.get("description", "")),
            usage=str(doc.get("usage", "ANALYTICS")),
            script=str(doc.get("script", "")),
            sheets=sheets,
            data_model=DataModel.model_validate(model) if model is not None else None,
        )
    except (KeyError, TypeError, ValidationError) as exc:
        raise ArchiveError(f"corrupt app export: {exc}") from exc
