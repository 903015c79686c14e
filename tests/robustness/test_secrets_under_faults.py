"""Secrets never leak through failures: retries, lost connections, 5xx, 429s and failed reloads.

The client secret, every access token the emulator issued, and the connection passwords are
distinctive sentinels; under heavy faults none of them may appear in a log record (raw, before
any redaction filter), a retry message, an operation's error, or the CLI's ``-vv`` output.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import httpx
import pytest

from qlikreconcile.errors import TransportError
from qlikreconcile.qlik.api_errors import transport_error
from tests.robustness.rig import Rig
from tests.robustness.served import served_emulator

REPO = Path(__file__).resolve().parents[2]
PASSWORDS = {
    "VENDOR_DW_PASSWORD": "SENTINEL-vendor-pw-7d1c",
    "GLOBEX_PG_PASSWORD": "SENTINEL-globex-pw-2e9a",
    "QLIKRECONCILE_FINGERPRINT_KEY": "SENTINEL-fingerprint-key-41d7",
}
CLIENT_SECRET = "SENTINEL-client-secret-51b0"
FAULTS = {"429": 0.1, "500": 0.1, "drop": 0.1, "reset": 0.1, "reload-fail": 0.2, "seed": 99}


def _tokens(state: dict[str, object]) -> list[str]:
    tokens = state["tokens"]
    assert isinstance(tokens, dict)
    return [str(t) for t in tokens]


def _leaks(texts: list[str], secrets: list[str]) -> list[str]:
    return [s for s in secrets if any(s in text for text in texts)]


async def test_no_secret_in_logs_or_errors_under_faults(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    rig = Rig(desired, secrets=PASSWORDS, max_retries=3, emulator={"client_secret": CLIENT_SECRET})
    caplog.set_level(logging.DEBUG)  # raw records: the redaction filter is not installed here
    await rig.faults(FAULTS)
    for _ in range(4):
        await rig.run()
    texts = [r.getMessage() for r in caplog.records] + [caplog.text]
    for result in rig.totals.history:
        texts += result.failed
        if result.report is not None:
            texts += [f"{r.reason} {r.detail}" for r in result.report.results]
    assert rig.totals.retries > 0
    assert any("retrying" in t for t in texts)
    secrets = [*PASSWORDS.values(), CLIENT_SECRET, *_tokens(await rig.state())]
    assert _leaks(texts, secrets) == []


async def test_httpx_errors_carrying_headers_are_not_echoed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A lost connection's httpx error holds the request (bearer token included); our error and
    its logged traceback show neither."""
    rig = Rig(tmp_path, secrets={}, emulator={"client_secret": CLIENT_SECRET})
    async with rig.session() as session:
        client = session.client("vendor-source.eu.qlikcloud.com")
        await client.get_json("/api/v1/spaces")
        await rig.faults({"drop": 1.0})
        with pytest.raises(httpx.RemoteProtocolError) as raw:
            await session._http.get("https://vendor-source.eu.qlikcloud.com/api/v1/spaces")
        token = raw.value.request.headers["authorization"].split()[1]
        error = transport_error(raw.value, method="GET", url=str(raw.value.request.url))
        try:
            raise error from raw.value
        except TransportError:
            logging.getLogger("qlikreconcile.test").exception("call failed")
            text = traceback.format_exc()
    assert token in raw.value.request.headers["authorization"]  # the raw error carries it ...
    for shown in (str(error), repr(error), text, caplog.text):
        assert token not in shown  # ... and nothing we print or log shows it
        assert CLIENT_SECRET not in shown


@pytest.mark.http
def test_cli_vv_under_faults_prints_no_secret(tmp_path: Path) -> None:
    desired = tmp_path / "desired"
    shutil.copytree(REPO / "desired", desired)
    env = {
        **os.environ,
        **PASSWORDS,
        "QLIKRECONCILE_EMULATOR_CLIENT_SECRET": CLIENT_SECRET,
        "NO_COLOR": "1",
    }
    spec = "429=0.08,500=0.08,drop=0.08,reset=0.08,reload-fail=0.2,retry-after=0,seed=5"
    outputs = []
    with served_emulator(tmp_path, "--faults", spec, env=env) as served:
        command = [sys.executable, "-m", "qlikreconcile", "-vv", "apply", "--auto-approve"]
        for _ in range(2):
            done = subprocess.run(
                [*command, "-d", str(desired), "--target", served.url],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                timeout=120,
            )
            outputs.append(done.stdout + done.stderr)
        tokens = _tokens(served.state())
    outputs.append(served.log.read_text())
    assert any("retrying" in o for o in outputs), "the faults caused no retry"
    assert _leaks(outputs, [*PASSWORDS.values(), CLIENT_SECRET, *tokens]) == []
    assert all("Traceback" not in o for o in outputs[:-1])
