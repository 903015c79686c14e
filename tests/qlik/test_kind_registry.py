"""One module per resource kind, one registry entry per module, and the two agree.

Adding a kind (docs/adding-a-kind.md) is its module under ``qlik/kinds/`` and one line in
``REGISTRY``; these tests fail until the module, the registry, the names in ``resources`` and
the handlers, readers and wants derived from them agree.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.plan import Operation
from qlikreconcile.engine.state import DesiredResource
from qlikreconcile.errors import PlanError
from qlikreconcile.qlik import discover_apps, kinds, resources
from qlikreconcile.qlik.kinds.kind import Kind, Wants
from qlikreconcile.qlik.kinds.registry import (
    BY_NAME,
    KINDS,
    PRUNE_KINDS,
    READERS,
    REGISTRY,
    secret_names,
    wanted,
)
from qlikreconcile.qlik.runner import HANDLERS
from qlikreconcile.spec import load_fleet
from qlikreconcile.spec.file_formats import PruneEntry

ROOT = Path(__file__).resolve().parents[2]
SHARED = {"adopt", "base", "inputs", "kind", "registry"}
"""What the kinds share; every other module under qlik/kinds/ is one kind."""
NAMES = {
    value
    for name, value in vars(resources).items()
    if name.isupper() and isinstance(value, str) and not name.startswith("_")
}


def kind_modules() -> dict[str, object]:
    return {
        info.name: importlib.import_module(f"{kinds.__name__}.{info.name}")
        for info in pkgutil.iter_modules(kinds.__path__)
        if info.name not in SHARED
    }


def test_every_kind_module_is_registered_once_and_only_kind_modules_are() -> None:
    modules = kind_modules()
    assert sorted(modules) == sorted(BY_NAME), "a kind module is not in REGISTRY (or the reverse)"
    for name, module in modules.items():
        kind = getattr(module, "KIND", None)
        assert isinstance(kind, Kind), f"qlik/kinds/{name}.py defines no KIND"
        assert kind.name == name, f"qlik/kinds/{name}.py registers kind {kind.name!r}"
        assert BY_NAME[name] is kind
    assert len(REGISTRY) == len(BY_NAME), "a kind is registered twice"


def test_registry_names_keys_handlers_and_order_agree() -> None:
    assert set(BY_NAME) == NAMES, "resources names a kind the registry lacks (or the reverse)"
    assert set(HANDLERS) == set(KINDS) == NAMES
    orders = [kind.spec.order for kind in REGISTRY]
    assert orders == sorted(orders) == list(range(len(REGISTRY))), (
        "REGISTRY lists the kinds in creation order, each KindSpec.order its position"
    )


def test_every_kind_is_read_by_its_module_or_by_the_app_family() -> None:
    for kind in REGISTRY:
        if kind.read is None:
            # Pending-create records are read from the source tenant's control records.
            assert kind.name in discover_apps.FAMILY | {resources.PENDING_CREATE}, kind.name
    assert BY_NAME[resources.APP].read is discover_apps.read_family
    assert len(READERS) == len({id(r) for r in READERS}) == sum(1 for k in REGISTRY if k.read)


def test_a_kind_module_imports_only_kinds_created_before_it() -> None:
    """Arrows between kinds follow their dependencies (a publish needs the reload's script
    hash, never the reverse), so the kinds cannot import each other in a loop."""
    order = {kind.name: kind.spec.order for kind in REGISTRY}
    for name in order:
        tree = ast.parse((ROOT / "src/qlikreconcile/qlik/kinds" / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for module in imported:
                    prefix = "qlikreconcile.qlik.kinds."
                    other = module.removeprefix(prefix).split(".")[0]
                    if module.startswith(prefix) and other in order:
                        assert order[other] < order[name], f"kinds/{name}.py imports {other}"


def test_every_resource_of_the_example_fleet_is_wanted_by_its_own_kind() -> None:
    fleet = load_fleet(ROOT / "desired")
    for tenant in fleet.tenants:
        wants = Wants(fleet, tenant)
        resources_ = wanted(wants)
        assert resources_, tenant.name
        for kind in REGISTRY:
            own = kind.want(wants) if kind.want else []
            assert all(r.key.kind == kind.name for r in own), kind.name
        keys = [r.key for r in resources_]
        assert len(keys) == len(set(keys)), f"{tenant.name}: a key is wanted twice"
        depended = {k for r in resources_ for k in (*r.depends_on, *r.refresh_on)}
        parents = {r.parent for r in resources_ if r.parent}
        assert (depended | parents) <= set(keys), f"{tenant.name}: depends on an unwanted key"
        assert all(isinstance(r, DesiredResource) for r in resources_)


def test_every_prune_key_of_fleet_yaml_names_a_deletable_kind() -> None:
    assert set(PRUNE_KINDS) == set(PruneEntry.model_fields), (
        "fleet.yaml prune: keys and the kinds' prune_key disagree"
    )
    for kind in PRUNE_KINDS.values():
        assert KINDS[kind].deletable, f"{kind} is prunable but its KindSpec is not deletable"


def test_a_saved_plan_with_a_kind_this_version_lacks_is_refused_before_any_call() -> None:
    op = Operation(ResourceKey("acme", "theme", "dark"), Action.CREATE, "does not exist")
    with pytest.raises(PlanError, match=r"kind 'theme' is not known.*make the plan again"):
        secret_names([op])
