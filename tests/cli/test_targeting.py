"""Targeting: --tenant / --exclude globs and --changed-since REF narrow what plan and apply read."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from qlikreconcile.reconcile import fleet as fleets
from qlikreconcile.reconcile.targeting import (
    TargetingError,
    changed_tenants,
    parse_shard,
    select,
    shard_of,
)
from tests.cli.test_cli import run, workdir
from tests.e2e.harness import edit

__all__ = ["workdir"]  # the fixture, shared with test_cli


def _names(desired: Path, **kwargs: object) -> list[str]:
    return [t.name for t in select(fleets.load(desired), **kwargs).tenants]  # type: ignore[arg-type]


def test_globs_and_excludes(workdir: Path) -> None:
    desired = workdir / "desired"
    assert _names(desired) == ["acme", "globex", "initech"]
    assert _names(desired, include=["acme"]) == ["acme"]
    assert _names(desired, include=["*e*"], exclude=["glob*"]) == ["acme", "initech"]
    assert _names(desired, changed={"globex"}) == ["globex"]
    with pytest.raises(TargetingError, match="'acm' matches no tenant"):
        select(fleets.load(desired), include=["acm"])


def test_shards_are_disjoint_cover_the_fleet_and_are_stable(workdir: Path) -> None:
    names = [f"customer{n:05d}" for n in range(1000)]
    for shards in (1, 2, 3, 7):
        parts = [{n for n in names if shard_of(n, shards) == i} for i in range(1, shards + 1)]
        assert sum(len(p) for p in parts) == len(names)  # disjoint
        assert set().union(*parts) == set(names)  # the whole fleet
        assert all(len(p) > len(names) / shards / 2 for p in parts)  # roughly even
    assert (
        shard_of("acme", 4)
        == 1 + int.from_bytes(__import__("hashlib").sha256(b"acme").digest()[:8], "big") % 4
    )  # sha256 of the name: the same on every runner, whatever PYTHONHASHSEED
    desired = workdir / "desired"
    split = [_names(desired, shard=(i, 2)) for i in (1, 2)]
    assert sorted(split[0] + split[1]) == ["acme", "globex", "initech"]
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b"):
        with pytest.raises(TargetingError, match="I/N"):
            parse_shard(bad)


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def test_changed_since_names_tenants_whose_file_changed(workdir: Path) -> None:
    desired = workdir / "desired"
    _git(workdir, "init", "-q")
    _git(workdir, "add", "desired")
    _git(workdir, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "spec")
    fleet = fleets.load(desired)
    assert changed_tenants(fleet, desired, "HEAD") == set()
    edit(desired / "tenants" / "globex.yaml", r"^(tenant:.*)$", r"\1\n# a comment")
    assert changed_tenants(fleet, desired, "HEAD") == {"globex"}
    (desired / "fleet.yaml").write_text((desired / "fleet.yaml").read_text() + "\n# shared\n")
    assert changed_tenants(fleet, desired, "HEAD") is None  # every tenant
    with pytest.raises(TargetingError, match="fetch-depth"):
        changed_tenants(fleet, desired, "no-such-branch")


def test_plan_reads_only_the_targeted_tenants(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "plan", "--tenant", "acme", "-o", "json")
    assert code == 0, err
    assert [t["name"] for t in json.loads(out)["tenants"]] == ["acme"]
    assert "Planning 1 of 3 tenants" in err
    code, _, err = run(capsys, "plan", "--tenant", "nobody")
    assert code == 1
    assert "'nobody' matches no tenant" in err
    code, _, err = run(capsys, "plan", "--shard", "3/2")
    assert code == 1
    assert "1 <= I <= N" in err
    code, _, err = run(capsys, "apply", "plan.json", "--tenant", "acme")
    assert code == 1
    assert "a saved plan" in err


def test_shard_plans_show_as_one_plan_of_the_fleet(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three runners plan a shard each; `show` of the three files is the fleet's plan."""
    files = []
    for index in (1, 2, 3):
        name = f"shard{index}.json"
        code, out, err = run(capsys, "plan", "--shard", f"{index}/3", "--out", name)
        assert code == 0, out + err
        files.append(name)
    code, whole, err = run(capsys, "plan", "-o", "json")
    assert code == 0, err
    code, merged, err = run(capsys, "show", *files, "-o", "json")
    assert code == 0, err
    full, joined = json.loads(whole), json.loads(merged)
    assert [t["name"] for t in joined["tenants"]] == ["acme", "globex", "initech"]
    assert joined["summary"] == full["summary"]
    ops = {op["id"] for t in joined["tenants"] for op in t["operations"]}
    assert ops == {op["id"] for t in full["tenants"] for op in t["operations"]}
    code, text, err = run(capsys, "show", *files)
    assert code == 0, err
    assert "acme" in text
    assert "initech" in text


def test_overlapping_or_foreign_plans_are_not_merged(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "plan", "--out", "all.json")
    assert code == 0, out + err
    code, out, err = run(capsys, "plan", "--tenant", "acme", "--out", "acme.json")
    assert code == 0, out + err
    code, out, err = run(capsys, "show", "all.json", "acme.json")
    assert code == 1
    assert "tenant acme is in both all.json and acme.json" in out + err
