"""load_fleet: the rendered models, defaults merging, and every problem at its exact position."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qlikreconcile.errors import SpecError
from qlikreconcile.spec import load_fleet
from qlikreconcile.spec.desired_state import ReloadPolicy
from qlikreconcile.spec.fleet_loader import load_sources

from .conftest import EXAMPLE, TENANT_YAML, problems_of

MakeFleet = Callable[..., Path]


def test_minimal_fleet_loads_rendered(fleet_dir: MakeFleet) -> None:
    fleet = load_fleet(fleet_dir())
    assert fleet.name == "test-fleet"
    assert fleet.regions == ("eu", "us")
    assert fleet.target.default == "emulator"
    assert fleet.templates["sales"].releases[0].created == "2024-05-01T10:00:00Z"
    (tenant,) = fleet.tenants
    assert tenant.hostname == "acme.eu.qlikcloud.com"
    assert tenant.file == "desired/tenants/acme.yaml"
    (connection,) = tenant.connections  # from fleet defaults, rendered for acme
    assert connection.space == "Acme build"
    assert connection.password is not None
    assert connection.password.env == "DW_PASSWORD"
    (app,) = tenant.apps
    assert (app.template, app.release, app.pinned, app.name) == (
        "sales",
        1,
        True,
        "Sales Analytics",
    )
    assert app.script.startswith("LIB CONNECT TO 'Acme build:dw';\n")
    assert "WHERE customer_id = 4711 ;" in app.script
    assert app.reload == ReloadPolicy()


def test_tenant_values_override_defaults(fleet_dir: MakeFleet) -> None:
    tenant_yaml = TENANT_YAML.replace(
        "apps:\n",
        "connections:\n  - name: dw\n    space: Acme build\n    type: snowflake\n"
        "    connect: account=acme\napps:\n",
    ).replace("  customer_id: 4711\n", "  customer_id: 4711\n  where: AND 1=1\n")
    fleet_yaml = (EXAMPLE / "fleet.yaml").read_text().replace("demo-oem", "x").split("defaults:")[0]
    fleet_yaml += (
        "defaults:\n  variables: {where: ''}\n"
        "  connections:\n    - {name: dw, space: Acme build, type: postgres, connect: h}\n"
        "  reload: {schedule: 'RRULE:FREQ=DAILY', max_age: 26h}\n"
    )
    desired = fleet_dir({"tenants/acme.yaml": tenant_yaml, "fleet.yaml": fleet_yaml})
    (tenant,) = load_fleet(desired).tenants
    assert [c.type for c in tenant.connections] == ["snowflake"]
    assert "WHERE customer_id = 4711 AND 1=1;" in tenant.apps[0].script
    assert tenant.apps[0].reload == ReloadPolicy(schedule="RRULE:FREQ=DAILY", max_age="26h")


def test_app_reload_keys_win_and_null_drops_a_default(fleet_dir: MakeFleet) -> None:
    fleet_yaml = (fleet_dir() / "fleet.yaml").read_text() + (
        "  reload: {schedule: 'RRULE:FREQ=DAILY;BYHOUR=2', timezone: Europe/Zurich}\n"
    )
    tenant_yaml = TENANT_YAML + "    reload: {schedule: null, max_age: 3d}\n"
    desired = fleet_dir({"fleet.yaml": fleet_yaml, "tenants/acme.yaml": tenant_yaml})
    (app,) = load_fleet(desired).tenants[0].apps
    assert app.reload == ReloadPolicy(schedule=None, timezone="Europe/Zurich", max_age="3d")


def test_every_problem_across_files_is_reported_at_once(fleet_dir: MakeFleet) -> None:
    broken_tenant = TENANT_YAML.replace("region: eu}", "region: us}").replace(
        "type: managed", "type: managed\n    colour: blue"
    )
    beta = TENANT_YAML.replace("name: acme, region: eu", "name: beta, region: de")
    desired = fleet_dir(
        {
            "tenants/acme.yaml": broken_tenant.replace(
                "{group: acme-viewers, roles: [consumer]}",
                "{group: acme-viewers, roles: [producer]}",
            ),
            "tenants/beta.yaml": beta.replace("Acme", "Beta"),
            "templates/sales/template.yaml": (
                (fleet_dir() / "templates/sales/template.yaml")
                .read_text()
                .replace(
                    "display_name: Sales Analytics\n", "display_name: Sales Analytics\nicon: x\n"
                )
            ),
        }
    )
    assert problems_of(desired) == [
        "desired/templates/sales/template.yaml:2:1: unknown key 'icon' in template file (allowed:"
        " display_name, source, script, variables, releases, checks) (fix: remove it or correct"
        " its spelling)",
        "desired/tenants/acme.yaml:9:5: unknown key 'colour' in `spaces[1]` (allowed: name, type,"
        " description, members) (fix: remove it or correct its spelling)",
        "desired/tenants/beta.yaml:1:30: region 'de' is not one of this fleet's regions (eu, us)"
        " (fix: add it to `regions:` in fleet.yaml or use an allowed region)",
    ]


def test_positions_of_semantic_problems(fleet_dir: MakeFleet) -> None:
    tenant = TENANT_YAML.replace("roles: [consumer]", "roles: [producer]").replace(
        "sales@1", "sales@2"
    )
    beta = TENANT_YAML.replace("name: acme, region: eu", "name: beta, region: de").replace(
        "Acme", "Beta"
    )
    problems = problems_of(fleet_dir({"tenants/acme.yaml": tenant, "tenants/beta.yaml": beta}))
    assert [p.split(": ", 1)[0] for p in problems] == [
        "desired/tenants/acme.yaml:10:38",
        "desired/tenants/acme.yaml:12:15",
        "desired/tenants/beta.yaml:1:30",
    ]
    assert "role 'producer' not valid in a managed space" in problems[0]
    assert "has no release 2 (releases: 1)" in problems[1]
    assert "region 'de' is not one of this fleet's regions (eu, us)" in problems[2]


def test_missing_desired_folder(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_fleet(tmp_path / "nowhere")
    (problem,) = caught.value.problems
    assert problem.message == "desired-state folder not found"
    assert problem.position.file.endswith("nowhere")


def test_unexpected_entries_and_template_without_file(fleet_dir: MakeFleet) -> None:
    desired = fleet_dir(
        {
            "tenants/notes.txt": "x",
            "tenants/README.md": "ignored",
            "tenants/.hidden.yaml": "ignored: [",
            "templates/empty/README.md": "no template.yaml here",
            "templates/stray.yaml": "x: 1",
        }
    )
    assert problems_of(desired) == [
        "desired/templates/empty/template.yaml: template folder has no template.yaml (fix: add"
        " template.yaml (see docs/spec.md) or remove the folder)",
        "desired/templates/stray.yaml: unexpected file in templates/; each template is a folder"
        " (fix: move it into a template folder or remove it)",
        "desired/tenants/notes.txt: unexpected entry in tenants/; only NAME.yaml files are read"
        " (fix: rename it to NAME.yaml or move it out of tenants/)",
    ]


def test_empty_tenant_and_non_mapping_files(fleet_dir: MakeFleet) -> None:
    desired = fleet_dir({"tenants/beta.yaml": "# soon\n", "tenants/gamma.yaml": "- a\n- b\n"})
    assert problems_of(desired) == [
        "desired/tenants/beta.yaml: tenant file is empty (fix: see docs/spec.md for its keys)",
        "desired/tenants/gamma.yaml:1:1: the tenant file must be a mapping, not a list (fix: start"
        " it with `key: value` lines)",
    ]


def test_fleet_file_rules(fleet_dir: MakeFleet) -> None:
    fleet_yaml = (fleet_dir() / "fleet.yaml").read_text()
    fleet_yaml = fleet_yaml.replace("source.eu.qlikcloud.com", "source.us.qlikcloud.com")
    fleet_yaml += "target: {default: cloud}\n"
    problems = problems_of(fleet_dir({"fleet.yaml": fleet_yaml}))
    assert [p.split(": ", 1)[0] for p in problems] == [
        "desired/fleet.yaml:3:13",
        "desired/fleet.yaml:16:19",
    ]
    assert "in region 'us', the tenant in 'eu'" in problems[0]
    assert "target 'cloud' must be" in problems[1]


def test_artifact_outside_the_template_folder(fleet_dir: MakeFleet) -> None:
    template = (fleet_dir() / "templates/sales/template.yaml").read_text()
    desired = fleet_dir(
        {"templates/sales/template.yaml": template.replace("releases/1.qvf", "../../fleet.yaml")}
    )
    (problem,) = problems_of(desired)
    assert problem.startswith("desired/templates/sales/template.yaml:10:15: artifact")
    assert "outside the template folder" in problem


def test_git_lfs_pointer_suggests_lfs_pull(fleet_dir: MakeFleet) -> None:
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n"
    desired = fleet_dir({"templates/sales/releases/1.qvf": pointer})
    (problem,) = problems_of(desired)
    assert "(fix: run `git lfs pull` to fetch the real file)" in problem


def test_broken_template_does_not_cascade_into_tenants(fleet_dir: MakeFleet) -> None:
    desired = fleet_dir({"templates/sales/sales.qvs.j2": "{% if %}\n"})
    (problem,) = problems_of(desired)
    assert problem.startswith("desired/templates/sales/sales.qvs.j2:1: jinja2 syntax error")


def test_hostnames_are_unique_case_insensitively(fleet_dir: MakeFleet) -> None:
    beta = TENANT_YAML.replace(
        "name: acme, region: eu", "name: beta, region: eu, hostname: acme.eu.qlikcloud.com"
    ).replace("Acme", "Beta")
    problems = problems_of(fleet_dir({"tenants/beta.yaml": beta}))
    assert problems == [
        "desired/tenants/beta.yaml:1:44: duplicate host name 'acme.eu.qlikcloud.com', also used"
        " at desired/tenants/acme.yaml:1:16 (fix: give each tenant its own host name)"
    ]


def test_example_fleet_loads(example_fleet: Path) -> None:
    fleet = load_fleet(example_fleet)
    assert fleet.name == "demo-oem"
    assert fleet.source.hostname == "vendor-source.eu.qlikcloud.com"
    assert set(fleet.templates) == {"sales", "inventory"}
    tenants = {t.name: t for t in fleet.tenants}
    assert {n: t.hostname for n, t in tenants.items()} == {
        "acme": "acme.eu.qlikcloud.com",
        "globex": "globex.us.qlikcloud.com",
        "initech": "initech.eu.qlikcloud.com",
    }
    acme, globex, initech = tenants["acme"], tenants["globex"], tenants["initech"]
    assert acme.wave == "canary"
    assert [a.pinned for a in acme.apps] == [False, False]
    assert "FROM sales.orders\nWHERE customer_id = 4711;" in acme.apps[0].script
    assert "LIB CONNECT TO 'Acme build:vendor_dw';" in acme.apps[0].script
    assert "LIB CONNECT TO 'Globex build:globex_pg';" in globex.apps[0].script
    assert {c.name: c.space for c in globex.connections} == {
        "globex_pg": "Globex build",
        "vendor_dw": "Globex build",
    }
    assert [a.name for a in initech.apps] == ["Initech Sales"]
    assert "WHERE customer_id = 815;" in initech.apps[0].script
    for tenant in fleet.tenants:
        assert {s.type for s in tenant.spaces} == {"shared", "managed"}
        for app in tenant.apps:
            assert app.publish_to is not None
            assert app.publish_to.endswith("analytics")
            assert "{{" not in app.script


def test_repository_example_fails_at_most_for_missing_releases() -> None:
    try:
        load_fleet(EXAMPLE)
    except SpecError as exc:
        for problem in exc.problems:
            assert "release" in problem.message, problem


def test_spec_loading_is_fast(example_fleet: Path) -> None:
    start = time.perf_counter()
    for _ in range(10):
        load_fleet(example_fleet)
    assert time.perf_counter() - start < 5.0  # ~0.2 s here; generous for slow CI


def test_load_sources_reads_fleet_and_templates_only(fleet_dir: MakeFleet) -> None:
    desired = fleet_dir({"tenants/acme.yaml": TENANT_YAML.replace("sales@1", "sales@9")})
    source, target, templates = load_sources(desired)
    assert source.hostname == "source.eu.qlikcloud.com"
    assert target.default == "emulator"
    assert [r.version for r in templates["sales"].releases] == [1]


def test_tenant_id_names_a_tenant_to_take_over(fleet_dir: MakeFleet) -> None:
    acme = TENANT_YAML.replace("name: acme, region: eu", "name: acme, region: eu, id: Tq8GPVr8qI7")
    tenant = load_fleet(fleet_dir({"tenants/acme.yaml": acme})).tenants[0]
    assert tenant.id == "Tq8GPVr8qI7"
    assert load_fleet(fleet_dir()).tenants[0].id is None


def test_tenant_ids_are_well_formed_and_unique(fleet_dir: MakeFleet) -> None:
    bad = TENANT_YAML.replace("name: acme, region: eu", "name: acme, region: eu, id: 'no way'")
    (problem,) = problems_of(fleet_dir({"tenants/acme.yaml": bad}))
    assert problem.startswith("desired/tenants/acme.yaml:1:")
    assert "is not a Qlik tenant id (fix: copy" in problem
    same = "name: acme, region: eu, id: Tq8GPVr8qI7"
    acme = TENANT_YAML.replace("name: acme, region: eu", same)
    beta = acme.replace("name: acme", "name: beta").replace("Acme", "Beta")
    problems = problems_of(fleet_dir({"tenants/acme.yaml": acme, "tenants/beta.yaml": beta}))
    assert len(problems) == 1
    assert (
        "duplicate tenant id 'Tq8GPVr8qI7', also used at desired/tenants/acme.yaml:1:"
        in (problems[0])
    )


def test_fleet_reload_cap_is_read_and_not_merged_into_apps(fleet_dir: MakeFleet) -> None:
    fleet_yaml = (fleet_dir() / "fleet.yaml").read_text() + "  reload: {max_concurrent: 3}\n"
    fleet = load_fleet(fleet_dir({"fleet.yaml": fleet_yaml}))
    assert fleet.reload_max_concurrent == 3
    assert fleet.tenants[0].apps[0].reload == ReloadPolicy()
    assert load_fleet(fleet_dir()).reload_max_concurrent == 8


@pytest.mark.parametrize("value", ["0", "two", "1.5"])
def test_fleet_reload_cap_must_be_a_whole_number_from_one(fleet_dir: MakeFleet, value: str) -> None:
    text = (fleet_dir() / "fleet.yaml").read_text()
    line = len(text.splitlines()) + 1
    desired = fleet_dir({"fleet.yaml": text + f"  reload: {{max_concurrent: {value}}}\n"})
    (problem,) = problems_of(desired)
    assert f"fleet.yaml:{line}:" in problem
    assert "max_concurrent" in problem


def test_an_app_cannot_set_the_fleet_reload_cap(fleet_dir: MakeFleet) -> None:
    tenant_yaml = TENANT_YAML + "    reload: {max_concurrent: 2}\n"
    (problem,) = problems_of(fleet_dir({"tenants/acme.yaml": tenant_yaml}))
    assert "tenants/acme.yaml:" in problem
    assert "max_concurrent" in problem


def test_adopt_unmarked_is_an_explicit_decision_of_the_tenant_file(fleet_dir: MakeFleet) -> None:
    adopting = TENANT_YAML.replace("variables:", "adopt_unmarked: true\nvariables:", 1)
    assert load_fleet(fleet_dir({"tenants/acme.yaml": adopting})).tenants[0].adopt_unmarked
    assert not load_fleet(fleet_dir()).tenants[0].adopt_unmarked


@pytest.mark.parametrize("value", ["1", '"true"', "null", "maybe"])
def test_adopt_unmarked_must_be_true_or_false(fleet_dir: MakeFleet, value: str) -> None:
    text = TENANT_YAML.replace("variables:", f"adopt_unmarked: {value}\nvariables:", 1)
    (problem,) = problems_of(fleet_dir({"tenants/acme.yaml": text}))
    assert problem.startswith("desired/tenants/acme.yaml:2:17: "), problem
    assert "`adopt_unmarked` must be true or false, not " in problem
    assert "(fix: write true or false)" in problem
