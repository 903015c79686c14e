"""Every GitHub workflow validates against GitHub's workflow schema, offline.

The schema is the copy vendored by check-jsonschema (a maintained package that tracks
SchemaStore's github-workflow schema), so no network is needed.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

WORKFLOWS = sorted((Path(__file__).resolve().parents[2] / ".github" / "workflows").glob("*.yml"))


def schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return dict(json.loads(vendor.joinpath("github-workflows.json").read_text(encoding="utf-8")))


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    if True in document:
        document["on"] = document.pop(True)
    return dict(document)


def test_there_are_plan_apply_status_and_ci_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "plan.yml", "apply.yml", "status.yml"}


def test_status_is_nightly_read_only_and_summarised() -> None:
    status = load(next(p for p in WORKFLOWS if p.name == "status.yml"))
    assert status["permissions"] == {"contents": "read"}
    steps = status["jobs"]["status"]["steps"]
    script = "\n".join(str(s.get("run", "")) for s in steps)
    assert "qlikreconcile status -o markdown" in script
    assert "GITHUB_STEP_SUMMARY" in script
    assert "apply" not in script


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid(path: Path) -> None:
    jsonschema.validate(load(path), schema())


def test_apply_never_overlaps_and_is_protected() -> None:
    apply = load(next(p for p in WORKFLOWS if p.name == "apply.yml"))
    assert apply["concurrency"]["cancel-in-progress"] is False
    assert apply["jobs"]["apply"]["environment"]
    assert "schedule" in apply["on"]
    assert "push" in apply["on"]
    steps = " ".join(str(s.get("run", "")) for s in apply["jobs"]["apply"]["steps"])
    assert "apply plan.json --auto-approve" in steps
    assert "GITHUB_STEP_SUMMARY" in steps


def test_plan_posts_one_sticky_comment() -> None:
    plan = load(next(p for p in WORKFLOWS if p.name == "plan.yml"))
    assert plan["on"]["pull_request"]["paths"][0] == "desired/**"
    steps = plan["jobs"]["plan"]["steps"]
    script = next(s for s in steps if "github-script" in s.get("uses", ""))["with"]["script"]
    assert "<!-- qlikreconcile:plan -->" in script
    assert "updateComment" in script
    runs = " ".join(str(s.get("run", "")) for s in steps)
    assert "--detailed-exitcode" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    # A pull request plans the tenants it touches; the nightly run plans them all.
    assert "--changed-since origin/$GITHUB_BASE_REF" in runs
    assert "schedule" in plan["on"]


def test_the_schema_catches_a_broken_workflow() -> None:
    broken = {"on": {"push": {}}, "jobs": {"x": {"steps": [{"run": "true"}], "runs_on": "x"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())


def test_sharded_plans_are_merged_into_one_summary() -> None:
    sharded = load(next(p for p in WORKFLOWS if p.name == "plan-sharded.yml"))
    shards = sharded["jobs"]["plan"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(sharded["env"]["SHARDS"]) + 1))
    plan_steps = "\n".join(str(s.get("run", "")) for s in sharded["jobs"]["plan"]["steps"])
    assert '--shard "${{ matrix.shard }}/${SHARDS}"' in plan_steps
    summary = "\n".join(str(s.get("run", "")) for s in sharded["jobs"]["summary"]["steps"])
    assert "qlikreconcile show plan-*.json -o markdown" in summary
    assert sharded["jobs"]["summary"]["needs"] == "plan"


def test_sharded_apply_gates_the_shards_on_the_canary_and_merges_a_summary() -> None:
    sharded = load(next(p for p in WORKFLOWS if p.name == "apply-sharded.yml"))
    jobs = sharded["jobs"]
    assert jobs["apply"]["needs"] == "canary"
    assert jobs["summary"]["needs"] == "apply"
    shards = jobs["apply"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(sharded["env"]["SHARDS"]) + 1))
    script = " ".join(str(s.get("run", "")) for s in jobs["apply"]["steps"])
    assert 'apply --shard "${{ matrix.shard }}/${SHARDS}"' in script
    summary = " ".join(str(s.get("run", "")) for s in jobs["summary"]["steps"])
    assert "qlikreconcile show after-*.json -o markdown" in summary
