"""Changes to issued bearer tokens and the register hosts' identities (``api/oauth``)."""

from __future__ import annotations

from qlikreconcile.emulator.state.identity import bot_user
from qlikreconcile.emulator.state.model import TokenRecord
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant


def issue_token(
    store: EmulatorStore,
    *,
    host: str,
    tenant: Tenant | None,
    client_id: str,
    scope: str,
) -> TokenRecord:
    """A new token for ``client_id`` on ``host``, acting as its bot (tenant) or its register
    identity; expired tokens are dropped so the state file does not grow forever."""
    state = store.state
    if tenant is not None:
        user_id = bot_user(store, tenant, client_id).id
    else:
        # An id is drawn even when the client already has one: the id sequence depends on it.
        user_id = state.register_users.setdefault(client_id, store.new_id("user"))
    now = store.now()
    record = TokenRecord(
        token=store.new_id("token"),
        host=host,
        tenant_id=tenant.id if tenant else None,
        user_id=user_id,
        client_id=client_id,
        expires_at=now + store.config.token_ttl_seconds,
        scope=scope,
    )
    # Looked for only once the earliest token may have expired: a scan of every token on each
    # issue made a fleet's tokens cost time quadratic in the fleet's size.
    if now >= store.token_prune_at:
        for key in [k for k, t in state.tokens.items() if t.expires_at <= now]:
            del state.tokens[key]
        store.token_prune_at = min(
            (t.expires_at for t in state.tokens.values()), default=float("inf")
        )
    state.tokens[record.token] = record
    store.token_prune_at = min(store.token_prune_at, record.expires_at)
    store.mark_dirty()
    return record


def revoke_token(store: EmulatorStore, token: str) -> None:
    del store.state.tokens[token]
    store.mark_dirty()
