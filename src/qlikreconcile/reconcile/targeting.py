"""Which tenants a run plans: name globs (``--tenant``, ``--exclude``), what changed in git
(``--changed-since``) and a shard of the fleet (``--shard I/N``, one per CI runner).

The whole spec is always loaded and validated; targeting only narrows the tenants read and
planned afterwards. ``--changed-since REF`` keeps the tenants whose own file changed between
``REF`` and the work tree (uncommitted and untracked files included); a change anywhere else in
the desired state (``fleet.yaml``, a template, a release) can touch every tenant, so then every
tenant is kept.
"""

from __future__ import annotations

import fnmatch
import hashlib
import subprocess
from collections.abc import Sequence
from pathlib import Path

from qlikreconcile.errors import QlikReconcileError
from qlikreconcile.reconcile.revision import git
from qlikreconcile.spec.desired_state import DesiredFleet


class TargetingError(QlikReconcileError):
    """A tenant selection that cannot be used (a pattern matching nothing, a bad git ref)."""


def select(
    fleet: DesiredFleet,
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    changed: set[str] | None = None,
    shard: tuple[int, int] | None = None,
) -> DesiredFleet:
    """The fleet narrowed to the tenants matching ``include`` (all when empty), minus ``exclude``,
    (when ``changed`` is given) among those names, and (``shard`` = (I, N)) in shard I of N."""
    names = [t.name for t in fleet.tenants]
    for pattern in include:
        if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
            known = ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")
            raise TargetingError(
                f"--tenant {pattern!r} matches no tenant of the fleet (tenants: {known}); "
                "correct the name or glob"
            )
    kept = [
        t
        for t in fleet.tenants
        if (not include or any(fnmatch.fnmatchcase(t.name, p) for p in include))
        and not any(fnmatch.fnmatchcase(t.name, p) for p in exclude)
        and (changed is None or t.name in changed)
        and (shard is None or shard_of(t.name, shard[1]) == shard[0])
    ]
    every = fleet.spec_tenants or tuple(names)
    narrowed = {"tenants": tuple(kept), "spec_tenants": every, "shard": shard or fleet.shard}
    return fleet.model_copy(update=narrowed)


def shard_of(tenant: str, shards: int) -> int:
    """The shard (1..``shards``) of a tenant: a stable hash of its name, the same on every
    machine and run (not Python's ``hash``), so N runners split a fleet without talking."""
    digest = hashlib.sha256(tenant.encode()).digest()
    return int.from_bytes(digest[:8], "big") % shards + 1


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` (1 <= I <= N) -> (I, N); TargetingError otherwise."""
    first, _, second = text.partition("/")
    try:
        index, shards = int(first), int(second)
    except ValueError:
        index = shards = 0
    if not 1 <= index <= shards:
        raise TargetingError(f"--shard {text!r}: write I/N with 1 <= I <= N, e.g. 2/4")
    return index, shards


def changed_tenants(fleet: DesiredFleet, desired: Path, ref: str) -> set[str] | None:
    """Tenants whose file changed since ``ref``; None when something shared changed (all)."""
    folder = desired.absolute()
    try:
        top = Path(git(folder, "rev-parse", "--show-toplevel"))
        git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        raise TargetingError(
            f"--changed-since {ref}: not a commit of the git repository holding {desired} "
            "(in CI, check out with fetch-depth: 0 so the base branch is there)"
        ) from None
    changed = git(folder, "diff", "--name-only", ref, "--", ".").splitlines()
    untracked = git(folder, "ls-files", "--others", "--exclude-standard", "--full-name", ".")
    changed += untracked.splitlines()
    changed_paths = {(top / line).resolve() for line in changed if line}
    by_file = {(desired.absolute().parent / t.file).resolve(): t.name for t in fleet.tenants}
    tenants_dir = (folder / "tenants").resolve()
    names: set[str] = set()
    for path in changed_paths:
        if path in by_file:
            names.add(by_file[path])
        elif path.parent != tenants_dir:
            return None  # fleet.yaml, a template, a release: every tenant may change
        # else: a tenant file that is gone (the tenant left the spec): nothing to plan for it
    return names
