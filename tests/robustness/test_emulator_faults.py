"""The emulator's fault injection: knobs, seeded reproducibility, and what each fault does.

In-process requests go through the client's ASGI transport, which turns a dropped connection into
the httpx network error a socket would give; one test checks the same faults over uvicorn.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from qlikreconcile.emulator import SOURCE_HOST, EmulatorConfig, create_app
from qlikreconcile.emulator.control.faults import FaultInjector
from qlikreconcile.emulator.state.fault_config import (
    FaultConfig,
    parse_spec,
    path_shape,
    validate_spec,
)
from qlikreconcile.qlik.transport import LoopbackTransport, asgi_transport
from tests.robustness.served import served_emulator

START = 1_750_000_000.0
OTHER = "acme.eu.qlikcloud.com"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


class Emu:
    """An in-process emulator with a fake clock and an authenticated client for the source."""

    def __init__(self, **config: Any) -> None:
        self.clock = Clock()
        self.config = EmulatorConfig(clock=self.clock, **config)
        self.app = create_app(config=self.config)
        self.transport = asgi_transport(self.app)

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with httpx.AsyncClient(
            transport=self.transport, base_url=f"https://{SOURCE_HOST}"
        ) as c:
            response = await c.request(method, path, json=body)
        response.raise_for_status()
        return response.json() if response.content else None

    async def client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=self.transport, base_url=f"https://{SOURCE_HOST}")
        token = await client.post(
            "/oauth/token",
            json={
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "grant_type": "client_credentials",
            },
        )
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        return client

    async def space_names(self) -> set[str]:
        state = await self.admin("GET", "/_emulator/state")
        source = next(t for t in state["tenants"].values() if SOURCE_HOST in t["hostnames"])
        return {s["name"] for s in source["spaces"].values()}


def test_spec_parses_every_knob() -> None:
    spec = (
        "429=0.1,500=0.05,drop=0.02,reset=0.01,reload-fail=0.1,latency=20ms,slow-reload=5s,seed=7"
    )
    assert parse_spec(spec) == {
        "http_429_rate": 0.1,
        "http_500_rate": 0.05,
        "drop_rate": 0.02,
        "reset_rate": 0.01,
        "reload_fail_rate": 0.1,
        "latency_ms": 20,
        "slow_reload_seconds": 5.0,
        "seed": 7,
    }
    config = validate_spec(spec + ",retry-after=3")
    assert config.retry_after_seconds == 3
    assert validate_spec("latency=1.5s").latency_ms == 1500
    assert validate_spec("slow-reload=250ms").slow_reload_seconds == 0.25


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("bogus=1", "unknown fault 'bogus'"),
        ("429", "expected key=value"),
        ("500=lots", "expected a rate from 0 to 1"),
        ("drop=1.5", "less than or equal to 1"),
        ("latency=fast", "expected a duration"),
        ("seed=-1", "expected a whole number"),
        ("429=0.6,500=0.6", "add up to 1.2"),
        ("drop=0.1,drop=0.2", "given twice"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_spec(spec)


def test_path_shapes_hide_ids() -> None:
    assert path_shape("/api/v1/apps/8b93ed2d-ad8c-4b7c-aae4-45326fb836a7/scripts") == (
        "/api/v1/apps/{id}/scripts"
    )
    assert path_shape("/api/v1/spaces/62716f4b39b865ece543cd45") == "/api/v1/spaces/{id}"
    assert path_shape("/api/v1/data-connections") == "/api/v1/data-connections"


async def test_admin_endpoint_takes_the_cli_keys_and_is_never_faulted() -> None:
    emu = Emu()
    body = {"429": 0.5, "reset": 0.5, "latency": "5ms", "slow-reload": "2s", "seed": 3}
    answer = await emu.admin("POST", "/_emulator/faults", body)
    faults = answer["faults"]
    assert (faults["http_429_rate"], faults["reset_rate"], faults["latency_ms"]) == (0.5, 0.5, 5)
    assert faults["slow_reload_seconds"] == 2.0
    assert answer["notImplemented"] == []
    for _ in range(20):  # every API call is faulted now; admin calls never are
        await emu.admin("GET", "/_emulator/state")
    async with httpx.AsyncClient(transport=emu.transport, base_url=f"https://{SOURCE_HOST}") as c:
        bad = await c.post("/_emulator/faults", json={"429": 0.9, "500": 0.9})
    assert bad.status_code == 400
    assert "add up to" in bad.text


async def _statuses(emu: Emu, order: list[str]) -> dict[str, list[int]]:
    """Send GETs to the hosts in ``order``; the status each host saw, in its own order."""
    seen: dict[str, list[int]] = {}
    async with httpx.AsyncClient(transport=emu.transport) as c:
        for host in order:
            try:
                status = (await c.get(f"https://{host}/api/v1/spaces")).status_code
            except httpx.TransportError:
                status = 0
            seen.setdefault(host, []).append(status)
    return seen


async def test_same_seed_same_faults_whatever_the_interleaving() -> None:
    spec = {"429": 0.2, "500": 0.2, "reset": 0.2, "retry-after": 0, "seed": 11}
    first, second, other_seed = Emu(), Emu(), Emu()
    for emu, seed in ((first, 11), (second, 11), (other_seed, 12)):
        await emu.admin("POST", "/_emulator/faults", {**spec, "seed": seed})
    a = await _statuses(first, [SOURCE_HOST] * 30 + [OTHER] * 30)
    b = await _statuses(second, [SOURCE_HOST, OTHER] * 30)
    c = await _statuses(other_seed, [SOURCE_HOST] * 30 + [OTHER] * 30)
    assert a == b
    assert a != c
    assert {0, 401, 429, 500} <= set(a[SOURCE_HOST]) | set(a[OTHER])


async def test_drop_commits_the_change_and_loses_the_answer() -> None:
    emu = Emu()
    client = await emu.client()
    await emu.admin("POST", "/_emulator/faults", {"drop": 1.0})
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/v1/spaces", json={"name": "dropped", "type": "shared"})
    await emu.admin("POST", "/_emulator/faults", {})
    assert "dropped" in await emu.space_names()
    log = (await emu.admin("GET", "/_emulator/requests"))["data"]
    assert [(r["method"], r["status"]) for r in log[-1:]] == [("POST", 201)]
    await client.aclose()


async def test_reset_changes_nothing() -> None:
    emu = Emu()
    client = await emu.client()
    await emu.admin("POST", "/_emulator/faults", {"reset": 1.0})
    with pytest.raises(httpx.ReadError):
        await client.post("/api/v1/spaces", json={"name": "reset", "type": "shared"})
    await emu.admin("POST", "/_emulator/faults", {})
    assert "reset" not in await emu.space_names()
    log = (await emu.admin("GET", "/_emulator/requests"))["data"]
    assert log[-1]["status"] == 0
    await client.aclose()


async def test_500_sometimes_after_the_change_was_made() -> None:
    emu = Emu()
    client = await emu.client()
    await emu.admin("POST", "/_emulator/faults", {"500": 1.0, "seed": 5})
    for n in range(20):
        answer = await client.post("/api/v1/spaces", json={"name": f"s{n}", "type": "shared"})
        assert answer.status_code == 500
        assert answer.json()["errors"][0]["code"] == "HTTP-500"
    await emu.admin("POST", "/_emulator/faults", {})
    made = {f"s{n}" for n in range(20)} & await emu.space_names()
    assert 0 < len(made) < 20
    await client.aclose()


def test_429_blocks_the_whole_tier_until_retry_after() -> None:
    config = FaultConfig.model_validate({"429": 1.0, "retry-after": 3})
    injector = FaultInjector(config)
    first = injector.decide("POST", OTHER, "/api/v1/spaces", START)
    assert first is not None
    assert (first.kind, first.retry_after) == ("429", 3)
    config.http_429_rate = 0.0  # from now on only the block answers 429
    blocked = injector.decide("PUT", OTHER, "/api/v1/apps/x", START + 1.2)
    assert blocked is not None
    assert (blocked.kind, blocked.retry_after) == ("429", 2)
    assert injector.decide("GET", OTHER, "/api/v1/spaces", START + 1.2) is None  # tier 1
    assert injector.decide("POST", SOURCE_HOST, "/api/v1/spaces", START + 1.2) is None
    assert injector.decide("POST", "x" + OTHER, "/api/v1/reloads", START + 1.2) is None
    assert injector.decide("POST", OTHER, "/api/v1/spaces", START + 3.0) is None


async def test_injected_429_looks_like_qlik() -> None:
    emu = Emu()
    client = await emu.client()
    await emu.admin("POST", "/_emulator/faults", {"429": 1.0, "retry-after": 13})
    answer = await client.get("/api/v1/spaces")
    assert answer.status_code == 429
    assert answer.headers["retry-after"] == "13"
    error = answer.json()["errors"][0]
    assert error["code"] == "HTTP-429"
    assert error["detail"] == "You need to wait 13 seconds until limit is lifted."
    await client.aclose()


async def test_slow_and_failing_reloads() -> None:
    emu = Emu(reload_queue_seconds=0.5, reload_run_seconds=0.5)
    client = await emu.client()
    spaces = (await client.get("/api/v1/spaces")).json()["data"]
    templates = next(s for s in spaces if s["name"] == "Templates")
    items = await client.get("/api/v1/items", params={"spaceId": templates["id"]})
    app_id = items.json()["data"][0]["resourceId"]
    await emu.admin("POST", "/_emulator/faults", {"slow-reload": "5s"})
    reload_id = (await client.post("/api/v1/reloads", json={"appId": app_id})).json()["id"]
    emu.clock.now += 3
    assert (await client.get(f"/api/v1/reloads/{reload_id}")).json()["status"] == "RELOADING"
    emu.clock.now += 3
    assert (await client.get(f"/api/v1/reloads/{reload_id}")).json()["status"] == "SUCCEEDED"
    await emu.admin("POST", "/_emulator/faults", {"reload-fail": 1.0})
    reload_id = (await client.post("/api/v1/reloads", json={"appId": app_id})).json()["id"]
    emu.clock.now += 2
    assert (await client.get(f"/api/v1/reloads/{reload_id}")).json()["status"] == "FAILED"
    await client.aclose()


def _token(url: str) -> str:
    answer = httpx.post(
        f"{url}/oauth/token",
        headers={"Host": SOURCE_HOST},
        json={
            "client_id": "emulator-client",
            "client_secret": "emulator-secret",
            "grant_type": "client_credentials",
        },
        timeout=10,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


@pytest.mark.http
def test_serve_faults_over_a_socket(tmp_path: Path) -> None:
    """Over uvicorn a drop closes the connection after the change; reset before; no tracebacks."""
    with served_emulator(tmp_path, "--faults", "drop=1,seed=1") as served:
        served.admin("POST", "/_emulator/faults", {})
        headers = {"Authorization": f"Bearer {_token(served.url)}"}

        async def post(name: str) -> None:
            transport = LoopbackTransport(served.url)
            async with httpx.AsyncClient(transport=transport, headers=headers) as c:
                await c.post(
                    f"https://{SOURCE_HOST}/api/v1/spaces", json={"name": name, "type": "shared"}
                )

        served.admin("POST", "/_emulator/faults", {"drop": 1.0})
        # The server closes the socket mid-response: httpx reports a protocol or read error.
        broken = (httpx.RemoteProtocolError, httpx.ReadError)
        with pytest.raises(broken):
            asyncio.run(post("dropped"))
        served.admin("POST", "/_emulator/faults", {"reset": 1.0})
        with pytest.raises(broken):
            asyncio.run(post("reset"))
        served.admin("POST", "/_emulator/faults", {})
        state = served.state()
        source = next(t for t in state["tenants"].values() if SOURCE_HOST in t["hostnames"])
        names = {s["name"] for s in source["spaces"].values()}
        assert "dropped" in names
        assert "reset" not in names
    log = served.log.read_text()
    assert "Traceback" not in log
    assert "faults drop=1,seed=1" in log


def test_serve_refuses_a_bad_spec(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "qlikreconcile", "emulator", "serve", "--port", "1"]
    result = subprocess.run(
        [*command, "--faults", "429=2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "--faults" in result.stderr
    assert "Traceback" not in result.stderr


async def test_once_targets_the_first_matching_request() -> None:
    emu = Emu()
    client = await emu.client()
    await emu.admin("POST", "/_emulator/faults", {"once": {"POST /api/v1/spaces": "drop"}})
    assert (await client.get("/api/v1/spaces")).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post("/api/v1/spaces", json={"name": "first", "type": "shared"})
    second = await client.post("/api/v1/spaces", json={"name": "second", "type": "shared"})
    assert second.status_code == 201
    assert {"first", "second"} <= await emu.space_names()
    bad = await emu.transport.handle_async_request(
        httpx.Request(
            "POST",
            f"https://{SOURCE_HOST}/_emulator/faults",
            json={"once": {"POST /api/v1/spaces": "explode"}},
        )
    )
    assert bad.status_code == 400
    await client.aclose()


def test_only_limits_the_rates_to_request_shapes() -> None:
    config = validate_spec("drop=1,only=POST /api/v1/tenants;PATCH /api/v1/tenants/{id}")
    assert config.only == ["POST /api/v1/tenants", "PATCH /api/v1/tenants/{id}"]
    injector = FaultInjector(config)
    assert injector.decide("POST", "register.eu.qlikcloud.com", "/api/v1/tenants", START)
    tenant = "/api/v1/tenants/TiQ8GPVr8qI714Lp5ChAAFFaU24MJy69"
    assert injector.decide("patch", OTHER, tenant, START)
    assert injector.decide("GET", OTHER, tenant, START) is None
    assert injector.decide("POST", OTHER, "/api/v1/spaces", START) is None
    # A real id in a shape is written as {id}; a shape without a method is refused.
    assert FaultConfig(only=[f"PATCH {tenant}"]).only == ["PATCH /api/v1/tenants/{id}"]
    with pytest.raises(ValueError, match="is not 'METHOD /path'"):
        FaultConfig(only=["/api/v1/tenants"])


async def test_only_over_the_admin_endpoint() -> None:
    emu = Emu()
    client = await emu.client()
    await emu.admin("POST", "/_emulator/faults", {"reset": 1.0, "only": ["POST /api/v1/tenants"]})
    assert (
        await client.post("/api/v1/spaces", json={"name": "spared", "type": "shared"})
    ).is_success
    assert "spared" in await emu.space_names()
    await client.aclose()


def test_spare_keeps_request_shapes_out_of_the_rates() -> None:
    config = validate_spec("drop=1,spare=POST /api/v1/tenants")
    assert config.spare == ["POST /api/v1/tenants"]
    injector = FaultInjector(config)
    assert injector.decide("POST", "register.eu.qlikcloud.com", "/api/v1/tenants", START) is None
    assert injector.decide("POST", OTHER, "/api/v1/spaces", START)
    with pytest.raises(ValueError, match="is not 'METHOD /path'"):
        FaultConfig(spare=["/api/v1/tenants"])
