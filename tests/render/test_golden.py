"""Golden files: the example fleet's first plan and a one-tenant change, in every format.

Reviewed like code: a change in rendering shows up as a diff of these files. Regenerate with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/render/test_golden.py`` and read the diff.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qlikreconcile.engine.plan import Plan
from qlikreconcile.reconcile.service import plan_fleet
from qlikreconcile.render.document import render_json
from qlikreconcile.render.markdown import render_markdown
from qlikreconcile.render.text import render_plan
from tests.e2e.harness import SECRETS, Harness, copy_desired, edit

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
TARGET = "emulator (embedded, state .qlikreconcile/emulator-state.json)"
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def normalise(text: str, plan: Plan, *, stable_ids: bool) -> str:
    """Replace what differs between runs: Qlik ids, and the fingerprints/checksum built on them."""
    if stable_ids:
        return text
    # Numbered in the plan's order, not by value: ids are minted in apply's (concurrent) order,
    # so sorting them by value numbers the same operations differently from run to run.
    idents = list(dict.fromkeys(op.ident for op in plan.operations if op.ident))
    for n, ident in enumerate(idents):
        text = text.replace(ident, f"<id-{n}>")
    if text.startswith("{"):
        document = json.loads(text)
        document["observed"] = {k: "<fingerprint>" for k in document["observed"]}
        text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    return re.sub(r"sha256:[0-9a-f]{12,64}", "sha256:<checksum>", text)


def renderings(plan: Plan, *, stable_ids: bool) -> dict[str, str]:
    outputs = {
        "txt": f"Target: {plan.target}\n\n" + render_plan(plan),
        "json": render_json(plan, created_at=CREATED),
        "md": render_markdown(plan),
    }
    return {ext: normalise(text, plan, stable_ids=stable_ids) for ext, text in outputs.items()}


def check(name: str, outputs: dict[str, str]) -> None:
    for ext, text in outputs.items():
        path = GOLDEN / f"{name}.{ext}"
        if os.environ.get("UPDATE_GOLDEN"):
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"{path} missing: run with UPDATE_GOLDEN=1"
        assert text == path.read_text(encoding="utf-8"), f"{path} differs (UPDATE_GOLDEN=1)"


async def plan_of(harness: Harness) -> Plan:
    async with harness.session() as session:
        return (await plan_fleet(harness.fleet(), session, target=TARGET, environ=SECRETS)).plan


async def test_first_plan_of_the_example_fleet(tmp_path: Path) -> None:
    plan = await plan_of(Harness(copy_desired(tmp_path)))
    outputs = renderings(plan, stable_ids=True)
    json.loads(outputs["json"])
    check("first_plan", outputs)


@pytest.mark.parametrize("_run", [1, 2])
async def test_first_plan_is_byte_identical_across_runs(tmp_path: Path, _run: int) -> None:
    plan = await plan_of(Harness(copy_desired(tmp_path / str(_run))))
    assert render_json(plan, created_at=CREATED) == (GOLDEN / "first_plan.json").read_text()


async def test_one_tenant_change(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    assert (await harness.apply()).ok
    edit(desired / "tenants" / "acme.yaml", r"^  customer_id: 4711$", "  customer_id: 4712")
    plan = await plan_of(harness)
    check("one_tenant_change", renderings(plan, stable_ids=False))
