"""``qlikreconcile import`` on the command line, against the embedded emulator's state file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qlikreconcile.emulator import create_app
from tests.cli.test_cli import run, workdir
from tests.e2e.harness import Harness, fast_config
from tests.reconcile.importing.fleet import FLEET
from tests.reconcile.importing.tutorial import Tutorial

__all__ = ["workdir"]
ACME, UMBRELLA = FLEET[0], FLEET[3]


@pytest.fixture
async def deployed(workdir: Path) -> Path:
    """Two tutorial tenants in the state file the fleet's embedded emulator target reads."""
    desired = workdir / "desired"
    shutil.rmtree(desired / "tenants")
    state = workdir / ".qlikreconcile" / "emulator-state.json"
    app = create_app(state_file=state, config=fast_config())
    tutorial = Tutorial(Harness(desired, app=app), desired)
    for tenant in (ACME, UMBRELLA):
        await tutorial.deploy(tenant)
    return workdir


def test_import_writes_files_and_reports_without_secrets(
    deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hosts = deployed / "hosts.txt"
    hosts.write_text(f"# customers\n{UMBRELLA.host}\n\n", encoding="utf-8")

    code, out, err = run(capsys, "-vv", "import", ACME.host, "--from-file", str(hosts))

    assert code == 0, out + err
    assert out.startswith("Target: emulator (embedded")
    assert "acme (acme.eu.qlikcloud.com): wrote desired/tenants/acme.yaml" in out
    assert "app 'Sales Analytics' -> template sales@1" in out
    assert "umbrella" in out
    assert "no values of the template's variables reproduce the load script" in out
    assert (deployed / "desired" / "tenants" / "umbrella.yaml").exists()
    for password in (ACME.password, UMBRELLA.password):
        assert password not in out + err

    code, out, err = run(capsys, "import", ACME.host, "-o", "json")
    assert code == 1, "the file exists"
    doc = json.loads(out)
    (acme,) = doc["tenants"]
    assert not acme["written"]
    assert "--overwrite" in acme["error"]

    code, out, err = run(capsys, "import", ACME.host, "--overwrite", "-o", "json")
    assert code == 0, out + err
    (acme,) = json.loads(out)["tenants"]
    assert acme["apps"][0]["variables"]["where"] == "WHERE customer_id = 4711"
    assert acme["secrets"] == ["ACME_PG_PASSWORD"]
    assert ACME.password not in out + err

    code, out, _ = run(capsys, "import", ACME.host, "--name", "acme-corp")
    assert code == 1
    assert "desired/tenants/acme.yaml describes acme.eu.qlikcloud.com already" in out


def test_a_name_other_than_the_host_keeps_the_host(
    deployed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", ACME.host, "--name", "acme-corp")
    assert code == 0, out + err
    text = (deployed / "desired" / "tenants" / "acme-corp.yaml").read_text(encoding="utf-8")
    assert "tenant: {name: acme-corp, region: eu, hostname: acme.eu.qlikcloud.com}" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("localhost",), "NAME.REGION.qlikcloud.com"),
        ((ACME.host, "--name", "a", "--name", "b"), "one --name per host"),
        ((), "no tenant host given"),
        ((ACME.host, ACME.host), "host given twice"),
    ],
)
def test_bad_input_is_refused_before_any_read(
    workdir: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, "import", *args)
    assert code == 1
    assert message in err


def test_a_host_without_a_tenant_is_reported_and_nothing_written(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "import", "nobody.eu.qlikcloud.com", "--name", "nobody")
    assert code == 1
    assert "nobody (nobody.eu.qlikcloud.com): not imported: cannot read the tenant" in out
    assert not (workdir / "desired" / "tenants" / "nobody.yaml").exists()
