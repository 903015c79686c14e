"""Changes to temporary contents: uploads for import and export downloads (``api/transfer``)."""

from __future__ import annotations

import base64

from qlikreconcile.emulator.state.model import TempContent
from qlikreconcile.emulator.state.store import EmulatorStore


def store_content(
    store: EmulatorStore, host: str, data: bytes, filename: str, ttl: float
) -> TempContent:
    """Keep ``data`` for ``ttl`` seconds under a new id on ``host``."""
    now = store.now()
    state = store.state
    for old in state.temp_contents.values():
        # Expired contents drop their bytes but keep the id, so a late GET still answers 410.
        if old.expires_at <= now:
            old.data_b64 = None
    content = TempContent(
        id=store.new_id("hex24"),
        host=host,
        filename=filename,
        data_b64=base64.b64encode(data).decode(),
        created_at=now,
        expires_at=now + ttl,
    )
    state.temp_contents[content.id] = content
    return content
