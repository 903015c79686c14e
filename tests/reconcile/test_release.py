"""`template release`: export from the source tenant, digest, and no release when unchanged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from qlikreconcile.reconcile.release import ReleaseError, release_template
from qlikreconcile.spec.fleet_loader import load_sources
from tests.e2e.harness import Harness, copy_desired


async def test_release_writes_artifact_digest_and_entry(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    harness = Harness(desired)
    source, _, templates = load_sources(desired)
    async with harness.session() as session:
        result = await release_template(session, source, templates["sales"])
    # The emulator's seed is the one the example fleet's release 1 was exported from.
    assert result.release is None

    # A change in the source app makes the next release.
    async with harness.session() as session:
        client = session.client(source.hostname)
        await client.post_json(
            f"/api/v1/apps/{result.app_id}/scripts",
            {"script": "// v2\nLOAD 1 AS x AUTOGENERATE 1;", "versionMessage": "vendor edit"},
        )
        second = await release_template(session, source, templates["sales"])
    assert second.release is not None
    assert second.release.version == 2
    artifact = desired / "templates" / "sales" / second.release.artifact
    assert hashlib.sha256(artifact.read_bytes()).hexdigest() == second.release.sha256
    doc = yaml.safe_load((desired / "templates" / "sales" / "template.yaml").read_text())
    assert [r["version"] for r in doc["releases"]] == [1, 2]
    assert doc["releases"][1]["sha256"] == second.release.sha256
    # The tenants still pin (or follow) releases that exist, so the fleet stays valid.
    assert harness.fleet().templates["sales"].latest == second.release


async def test_release_names_a_missing_source_app(tmp_path: Path) -> None:
    desired = copy_desired(tmp_path)
    template_file = desired / "templates" / "sales" / "template.yaml"
    template_file.write_text(
        template_file.read_text().replace("app: Sales Analytics", "app: Sales Analytix")
    )
    source, _, templates = load_sources(desired)
    async with Harness(desired).session() as session:
        with pytest.raises(ReleaseError, match="no app named 'Sales Analytix'"):
            await release_template(session, source, templates["sales"])
