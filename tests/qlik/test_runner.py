"""An operation's context never leaks to another (the registry's agreement: test_kind_registry)."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import SecretStr

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import ApplyContext, Outcome
from qlikreconcile.qlik import Credentials, QlikSession, resources
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.runner import HANDLERS, QlikRunner


async def test_concurrent_operations_each_see_their_own_context(monkeypatch: Any) -> None:
    seen: dict[str, str] = {}

    async def handler(op: Operation, env: HandlerEnv) -> Outcome:
        await asyncio.sleep(0)  # let the other operation start in between
        seen[op.key.name] = env.ident(op.key)
        return Outcome()

    monkeypatch.setitem(HANDLERS, resources.SPACE, handler)  # type: ignore[index]
    creds = Credentials(client_id="c", client_secret=SecretStr("s"))
    async with QlikSession(credentials=creds) as session:
        runner = QlikRunner(HandlerEnv(session=session, source_host="x", hosts={}))
        keys = [ResourceKey("t", resources.SPACE, n) for n in ("a", "b")]
        contexts = []
        for key in keys:
            ctx = ApplyContext()
            ctx.record(key, f"id-{key.name}")
            contexts.append(ctx)
        await asyncio.gather(
            *(
                runner.run(Operation(key, Action.UPDATE, "test"), ctx)
                for key, ctx in zip(keys, contexts, strict=True)
            )
        )
    assert seen == {"a": "id-a", "b": "id-b"}
