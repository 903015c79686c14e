"""Data connections: tagged ``qlikreconcile``; credentials come from env at apply time only.

Qlik never returns ``qUsername`` or ``qPassword`` (write-only, doc §7), so the tags record what
was last written: the username, and a keyed fingerprint of the password (never the password;
:mod:`qlikreconcile.qlik.credentials`). A changed username or rotated password then plans an
update, which sends both again (PUT: a present field is set, ``""`` clears it).
A create whose answer was lost is settled by finding the connection by name, space and our tag.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import ActualResource, DesiredResource, fields_digest
from qlikreconcile.qlik import ownership, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.credentials import FINGERPRINT_KEY_ENV, password_fingerprint
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Found, Kind, Reading, Wants
from qlikreconcile.spec.desired_state import Connection

# Username and password fingerprint live in our own tags (Qlik returns neither).
SPEC = KindSpec(
    resources.CONNECTION,
    3,
    deletable=True,
    sensitive_fields=frozenset({"password"}),
    marker_fields=frozenset({"username", "password"}),
    left_behind="the connection stays usable, with its credentials",
)

ODBC_PROVIDER = "QvOdbcConnectorPackage.exe"
PROVIDERS: dict[str, str] = {
    "rest": "QvRestConnector.exe",
    "web": "QvWebStorageProviderConnectorPackage.exe",
}
"""Connector (qType) per datasourceID; everything else goes through Qlik's ODBC package."""


@dataclass(frozen=True, slots=True)
class ConnectionInputs(OperationInputs):
    name: str
    space: str
    """The key of the space it lives in."""
    qtype: str
    """Qlik's connector (``qType``)."""
    username: str | None = None
    password_env: str | None = None
    """The environment variable holding the password (never the password)."""


async def find_owned(client: QlikClient, space_id: str, name: str) -> str | None:
    """The id of the connection ``name`` in space ``space_id`` if it carries our tag."""
    async for conn in client.paginate("/api/v1/data-connections", params={"spaceId": space_id}):
        owned = ownership.parse_connection_tags(conn.get("tags"))[0]
        if conn.get("qName") == name and conn.get("space") == space_id and owned:
            return str(conn.get("qID") or conn.get("id"))
    return None


def _body(op: Operation, env: HandlerEnv) -> dict[str, Any]:
    inputs = ConnectionInputs.of(op)
    managed = {k: v for k, v in op.desired.items() if k not in ("username", "password")}
    password = env.secret(inputs.password_env)
    fingerprint = None
    if password is not None:
        key = env.secret(FINGERPRINT_KEY_ENV)
        assert key is not None, "plan_secrets and fleets.secrets resolve the key with passwords"
        fingerprint = password_fingerprint(key, str(op.key), password)
    username = inputs.username or None
    body: dict[str, Any] = {
        "qName": inputs.name,
        "qType": inputs.qtype,
        "qConnectStatement": op.desired["statement"],
        "datasourceID": op.desired["datasource"],
        "space": env.ident(inputs.space),
        "tags": ownership.connection_tags(fields_digest(managed), username, fingerprint),
    }
    changed = {c.path for c in op.changes}
    if username is not None or "username" in changed:
        body["qUsername"] = username or ""
    if password is not None or "password" in changed:
        body["qPassword"] = password or ""
    return body


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    if op.action is Action.DELETE:  # pruned: owned, and no longer in the spec
        await client.delete(f"/api/v1/data-connections/{op.ident}", missing_ok=True)
        return Outcome(detail=f"deleted connection {op.key.name}")
    body = _body(op, env)
    if op.action is Action.CREATE:

        async def create() -> str:
            created = await client.post_json("/api/v1/data-connections", body, expected=(201,))
            return str(created.get("qID") or created.get("id"))

        conn_id = await create_once(
            env,
            host=client.host,
            what=f"create connection {body['qName']!r}",
            create=create,
            find=lambda: find_owned(client, str(body["space"]), str(body["qName"])),
        )
        return Outcome(ident=conn_id)
    conn_id = env.ident(op.key)
    body.update({"qID": conn_id, "qEngineObjectID": conn_id})
    await client.put_json(f"/api/v1/data-connections/{conn_id}", body)
    return Outcome(ident=conn_id)


def connect_statement(conn: Connection) -> tuple[str, str]:
    """(qType, qConnectStatement) for a connection: Qlik's CUSTOM CONNECT form."""
    qtype = PROVIDERS.get(conn.type, ODBC_PROVIDER)
    return qtype, f'CUSTOM CONNECT TO "provider={qtype};driver={conn.type};{conn.connect}"'


def want(wants: Wants) -> list[DesiredResource]:
    """Each connection as it is read back (statement, and our tags' username and password
    fingerprint), so a converged one diffs empty."""
    t = wants.tenant.name
    out = []
    for conn in wants.tenant.connections:
        key = resources.connection_key(t, conn.space, conn.name)
        space_key = resources.space_key(t, conn.space)
        qtype, statement = connect_statement(conn)
        inputs = ConnectionInputs(
            name=conn.name,
            space=str(space_key),
            qtype=qtype,
            username=conn.username,
            password_env=conn.password.env if conn.password else None,
        )
        fields = {
            "datasource": conn.type,
            "statement": statement,
            "username": conn.username,
            "password": wants.fingerprints.get(str(key)),
        }
        out.append(DesiredResource(key, fields, depends_on=(space_key,), inputs=inputs))
    return out


async def read(reading: Reading) -> Found:
    """Every data connection of the tenant that lives in a space (one tenant-wide list)."""
    tenant, spaces = reading.ref.name, reading.space_names
    adopt = reading.ref.adopt_unmarked
    found = await reading.client.get_all("/api/v1/data-connections")
    return Found([actual(tenant, c, spaces, adopt=adopt) for c in found if c.get("space")])


def actual(
    tenant: str, conn: dict[str, Any], spaces: dict[str, str], *, adopt: bool = False
) -> ActualResource:
    space = spaces.get(conn["space"], conn["space"])
    owned, applied = ownership.parse_connection_tags(conn.get("tags"))
    # Qlik never returns qUsername or qPassword (doc §7): both come from our own tags.
    username, fingerprint = ownership.connection_credentials(conn.get("tags"))
    return ActualResource(
        resources.connection_key(tenant, space, conn["qName"]),
        {
            "datasource": conn.get("datasourceID"),
            "statement": conn.get("qConnectStatement"),
            "username": username,
            "password": fingerprint,
        },
        owned=owned,
        ident=conn.get("qID") or conn.get("id"),
        applied=applied,
        adopt=adopt and not owned,
        drift=("no ownership marker",) if adopt and not owned else (),
    )


def secrets(op: Operation) -> Iterable[str]:
    """The variable holding the password, when the connection is written with one."""
    if op.action is Action.DELETE:  # a delete's inputs are the provider's, never a password
        return ()
    env = ConnectionInputs.of(op).password_env
    return (env,) if env else ()


KIND = Kind(SPEC, run, want, read, secrets, prune_key="connections")
