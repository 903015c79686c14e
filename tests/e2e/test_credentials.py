"""Credentials follow git: a changed username or a rotated password reaches the connection.

Qlik never returns qUsername or qPassword, so these tests look at what the emulator stored (its
state dump) to prove the connection really got the new credentials, and at the next plan to
prove convergence.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from qlikreconcile.engine.keys import Action
from qlikreconcile.engine.plan import SENSITIVE
from qlikreconcile.errors import SecretError
from qlikreconcile.qlik.credentials import FINGERPRINT_KEY_ENV
from qlikreconcile.render.document import render_json
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan
from tests.e2e.harness import Harness, copy_desired, edit

KEY = "globex/connection/Globex build:globex_pg"


async def stored_connection(harness: Harness, name: str) -> dict[str, Any]:
    state = await harness.admin("GET", "/_emulator/state")
    for tenant in state["tenants"].values():
        for conn in tenant["connections"].values():
            if conn["name"] == name:
                return dict(conn)
    raise AssertionError(f"no connection {name} in the emulator")


async def converged(tmp_path: Path) -> Harness:
    harness = Harness(copy_desired(tmp_path))
    assert (await harness.apply()).ok
    assert (await harness.plan()).plan.empty
    return harness


async def test_username_change_is_an_update_and_converges(tmp_path: Path) -> None:
    harness = await converged(tmp_path)
    edit(harness.desired / "tenants" / "globex.yaml", r"^    username: qlik$", "    username: bi")
    planned = await harness.plan()
    op = next(o for o in planned.plan.operations if str(o.key) == KEY)
    assert op.action is Action.UPDATE
    assert not op.drift
    change = next(c for c in op.changes if c.path == "username")
    assert (change.before, change.after) == ("qlik", "bi")
    assert 'username: "qlik" -> "bi"' in render_plan(planned.plan)
    assert (await harness.apply()).ok
    assert (await stored_connection(harness, "globex_pg"))["username"] == "bi"
    assert (await harness.plan()).plan.empty


async def test_password_rotation_is_sensitive_and_converges(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = await converged(tmp_path)
    old = harness.environ["GLOBEX_PG_PASSWORD"]
    assert (await stored_connection(harness, "globex_pg"))["password"] == old
    rotated = "rotated-pw-SENTINEL-8c1f"
    harness.environ["GLOBEX_PG_PASSWORD"] = rotated
    planned = await harness.plan()
    op = next(o for o in planned.plan.operations if str(o.key) == KEY)
    assert op.action is Action.UPDATE
    change = next(c for c in op.changes if c.path == "password")
    assert change.sensitive
    assert (change.before, change.after) == (SENSITIVE, SENSITIVE)
    outputs = [render_plan(planned.plan), render_json(planned.plan)]
    outputs.append(render_markdown(planned.plan))
    assert f'password: changed "{SENSITIVE}"' in outputs[0]
    json.loads(outputs[1])
    report = await harness.apply()
    assert report.ok
    assert (await stored_connection(harness, "globex_pg"))["password"] == rotated
    assert (await harness.plan()).plan.empty
    for text in [*outputs, caplog.text, repr(report)]:
        assert rotated not in text
        assert old not in text
        assert harness.environ[FINGERPRINT_KEY_ENV] not in text


async def test_reloads_log_in_with_the_rotated_password(tmp_path: Path) -> None:
    """The emulated database takes only the new password: reloads prove which one Qlik holds."""
    harness = await converged(tmp_path)
    new = "db-password-after-rotation"
    await harness.admin(
        "PUT",
        "/_emulator/tenants/globex.us.qlikcloud.com/data-sources/globex_pg",
        {"password": new},
    )
    harness.environ["GLOBEX_PG_PASSWORD"] = "a-wrong-password"
    report = await harness.apply()
    assert not report.ok, "the reload through globex_pg fails to log in with a wrong password"
    assert "wrong password" in repr(report)
    harness.environ["GLOBEX_PG_PASSWORD"] = new
    report = await harness.apply()
    assert report.ok, report
    assert (await harness.plan()).plan.empty


async def test_missing_fingerprint_key_is_a_clear_error_before_any_call(tmp_path: Path) -> None:
    harness = Harness(copy_desired(tmp_path))
    del harness.environ[FINGERPRINT_KEY_ENV]
    await harness.admin("DELETE", "/_emulator/requests")
    with pytest.raises(SecretError) as caught:
        await harness.plan()
    assert FINGERPRINT_KEY_ENV in str(caught.value)
    assert "openssl rand" in str(caught.value)
    assert (await harness.admin("GET", "/_emulator/requests"))["count"] == 0


async def test_another_key_reads_as_rotation_not_as_no_change(tmp_path: Path) -> None:
    """A changed key cannot confirm the stored fingerprint: the password is sent again."""
    harness = await converged(tmp_path)
    harness.environ[FINGERPRINT_KEY_ENV] = "another-fingerprint-key-000"
    planned = await harness.plan()
    assert KEY in {str(o.key) for o in planned.plan.operations}
    assert (await harness.apply(force=True)).ok  # every password is sent again: fleet-wide
    assert (await harness.plan()).plan.empty
