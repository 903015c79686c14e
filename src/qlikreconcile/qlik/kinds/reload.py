"""Reloads: start one, wait until it reaches a terminal status, then judge its data.

``POST /reloads`` answers 429 when a reload of the app is already pending (not a rate limit);
then the pending reload is the one waited for. A FAILED reload fails the operation with Qlik's
own error line, and the publish that depends on it is skipped, so customers keep what they had.

A reload that failed outside its script (the engine or the queue; quirk
``is_transient_reload_failure``) is started again after a pause, up to the fleet's
``defaults.reload.retries`` times, the pause doubling each time; a script error is final at once.
A reload that SUCCEEDED is then judged by the template's data checks (the health gate, see
:mod:`..data_checks`): a failed check fails the operation like a failed reload, naming the check
and what it observed, so the build app's data never reaches the published app. Data that
passed is noted on the build app (the gate note), so a plan does not judge that reload again.

The newest reload is noted before the POST; a POST whose answer was lost is settled by listing the
app's reloads again: a newer or still pending one is ours, otherwise the POST is sent again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from qlikreconcile.engine.gates import CheckResult, GateError
from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.ports import Outcome
from qlikreconcile.engine.state import DesiredResource
from qlikreconcile.errors import ApiError, OperationError, TransportError
from qlikreconcile.qlik import data_checks, ownership, quirks, resources
from qlikreconcile.qlik.client import QlikClient
from qlikreconcile.qlik.kinds.adopt import create_once
from qlikreconcile.qlik.kinds.base import HandlerEnv
from qlikreconcile.qlik.kinds.inputs import OperationInputs
from qlikreconcile.qlik.kinds.kind import Kind, Wants
from qlikreconcile.spec.desired_state import App, DesiredFleet

SPEC = KindSpec(
    resources.RELOAD,
    6,
    create_action=Action.RELOAD,
    update_action=Action.RELOAD,
    refresh_action=Action.RELOAD,
)


@dataclass(frozen=True, slots=True)
class ReloadInputs(OperationInputs):
    app: str
    """The key of the build app."""
    checks: tuple[dict[str, Any], ...] = ()
    """The template's data checks, as written (:mod:`..data_checks`)."""


log = logging.getLogger(__name__)

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELED", "EXCEEDED_LIMIT"})


async def start(env: HandlerEnv, client: QlikClient, app_id: str) -> str:
    """Start a reload of ``app_id``, or join the one already pending; its id."""
    before = await latest(client, app_id)
    before_id = before.get("id") if before else None

    async def started_since() -> str | None:
        now = await latest(client, app_id)
        if now is None or (now.get("id") == before_id and now.get("status") in TERMINAL):
            return None
        return str(now["id"])

    async def create() -> str:
        try:
            body = {"appId": app_id}
            created = await client.post_json("/api/v1/reloads", body, expected=(201,))
            return str(created["id"])
        except ApiError as exc:
            if exc.status != 429 or not quirks.is_pending_reload(exc):
                raise
        pending = await started_since()
        if pending is None:
            raise OperationError(f"Qlik reports a pending reload of {app_id} but none is listed")
        return pending

    return await create_once(
        env, host=client.host, what=f"reload app {app_id}", create=create, find=started_since
    )


async def latest(client: QlikClient, app_id: str) -> dict[str, Any] | None:
    body = await client.get_json("/api/v1/reloads", params={"appId": app_id, "limit": 1})
    data = body.get("data") or []
    return data[0] if data else None


def error_line(reload: dict[str, Any]) -> str:
    """The most telling line of a failed reload: Qlik's error line from the log if any.

    Qlik's reload logs state the cause on a line starting "The following error occurred:"
    and end with a generic "Data has not been loaded..." line, so the cause line wins.
    """
    lines = [line.strip() for line in str(reload.get("log") or "").splitlines()]
    for line in lines:
        if line.startswith("The following error occurred"):
            return line
    for line in lines:
        if "error" in line.lower() and "not been loaded" not in line:
            return line
    return str(reload.get("errorMessage") or reload.get("errorCode") or "no log")


async def wait(env: HandlerEnv, client: QlikClient, reload_id: str) -> dict[str, Any]:
    """Poll the reload until it reaches a terminal status; its last body."""
    delay, waited = env.polling.first, 0.0
    while True:
        reload = dict(await client.get_json(f"/api/v1/reloads/{reload_id}"))
        status = reload.get("status")
        if status in TERMINAL:
            return reload
        if waited >= env.polling.timeout:
            raise OperationError(f"reload {reload_id} still {status} after {waited:.0f}s")
        await env.pause(delay)
        waited += delay
        delay = min(delay * env.polling.factor, env.polling.cap)


async def reload_until_done(env: HandlerEnv, client: QlikClient, app_id: str) -> tuple[str, int]:
    """Reload ``app_id``, again after a transient failure; (the SUCCEEDED reload's id, retries)."""
    pause = float(env.reload_retry.delay)
    retries = 0
    while True:
        reload_id = await start(env, client, app_id)
        reload = await wait(env, client, reload_id)
        status = reload.get("status")
        if status == "SUCCEEDED":
            return reload_id, retries
        transient = quirks.is_transient_reload_failure(reload)
        if not transient or retries >= env.reload_retry.retries:
            message = f"reload {reload_id} {status}"
            if transient:
                message += f" outside its script, after {retries} retries"
            elif retries:
                message += f" (attempt {retries + 1})"
            raise OperationError(message, detail=error_line(reload))
        retries += 1
        log.info(
            "reload %s of app %s %s outside its script (%s); retry %d of %d in %.0fs",
            reload_id,
            app_id,
            status,
            error_line(reload),
            retries,
            env.reload_retry.retries,
            pause,
        )
        await env.pause(pause)
        pause = min(pause * env.reload_retry.factor, env.reload_retry.cap)


async def run(op: Operation, env: HandlerEnv) -> Outcome:
    client = env.client(op)
    inputs = ReloadInputs.of(op)
    app_id = env.ident(inputs.app)
    reload_id, retries = await reload_until_done(env, client, app_id)
    again = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
    detail = f"reload {reload_id} SUCCEEDED{again}"
    checks = [dict(c) for c in inputs.checks]
    results: tuple[CheckResult, ...] = ()
    if checks:
        results = await data_checks.gate(client, app_id, checks)
        if not all(r.passed for r in results):
            failed = sum(not r.passed for r in results)
            raise GateError(
                f"data check{'s' if failed != 1 else ''} failed after reload {reload_id} "
                f"SUCCEEDED{again}, so it is not published: {data_checks.failures(results)}",
                results,
            )
        await note_gate_passed(client, app_id, reload_id, data_checks.digest(checks))
    return Outcome(ident=app_id, detail=detail, checks=results)


async def note_gate_passed(client: QlikClient, app_id: str, reload_id: str, checks: str) -> None:
    """Write the gate note (:func:`~qlikreconcile.qlik.ownership.gate_note`) on the build app,
    so plans need not read its data model again until another reload or other checks.

    Only a saving: when the note cannot be written, the next plan judges the data itself."""
    try:
        app = await client.get_json(f"/api/v1/apps/{app_id}")
        description = str(((app or {}).get("attributes") or {}).get("description") or "")
        if ownership.parse_app_marker(description) is None:
            return  # not ours (any more): nothing of ours is written into it
        noted = ownership.with_gate_note(description, reload_id, checks)
        await client.put_json(f"/api/v1/apps/{app_id}", {"attributes": {"description": noted}})
    except (ApiError, TransportError) as exc:
        log.warning("could not note on app %s that reload %s passed: %s", app_id, reload_id, exc)


def check_inputs(fleet: DesiredFleet, app: App) -> tuple[dict[str, Any], ...]:
    """The template's data checks as the qlik layer reads them: the keys set, nothing else."""
    return tuple(c.model_dump(exclude_none=True) for c in fleet.templates[app.template].checks)


def want(wants: Wants) -> list[DesiredResource]:
    """A SUCCEEDED reload of each build app whose data passes its template's checks; run again
    when the script or any of the tenant's connections changes."""
    t = wants.tenant.name
    connections = tuple(
        resources.connection_key(t, c.space, c.name) for c in wants.tenant.connections
    )
    out = []
    for app in wants.tenant.apps:
        app_key = resources.app_key(t, app.template)
        checks = check_inputs(wants.fleet, app)
        out.append(
            DesiredResource(
                resources.reload_key(t, app.template),
                {"status": "SUCCEEDED"},
                parent=app_key,
                depends_on=connections,
                refresh_on=(resources.script_key(t, app.template), *connections),
                inputs=ReloadInputs(app=str(app_key), checks=checks),
                gates=tuple(data_checks.describe(c) for c in checks),
            )
        )
    return out


KIND = Kind(SPEC, run, want, read=None)
