"""Secret references: ``{env: NAME}`` in the spec, values from the environment at apply time.

The desired state in git only ever holds the *name* of an environment variable. In YAML a secret
is written as a one-key mapping, ``password: {env: GLOBEX_PG_PASSWORD}``, which validates into
a :class:`~qlikreconcile.spec.desired_state.SecretRef`; a literal string where a secret belongs
is a spec error (see :mod:`qlikreconcile.spec.model_validation`).

:func:`resolve_secrets` reads every referenced variable from an injected environment mapping
(``os.environ`` in the CLI, a dict in tests) into :class:`pydantic.SecretStr`, and fails once,
naming every missing variable and the files that reference it, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from qlikreconcile.errors import SecretError
from qlikreconcile.spec.desired_state import DesiredFleet, SecretRef


def secret_references(fleet: DesiredFleet) -> dict[str, tuple[str, ...]]:
    """Each referenced environment variable and the spec files that reference it, sorted."""
    files: dict[str, set[str]] = {}
    for tenant in fleet.tenants:
        for connection in tenant.connections:
            if connection.password is not None:
                files.setdefault(connection.password.env, set()).add(tenant.file)
    return {name: tuple(sorted(found)) for name, found in sorted(files.items())}


def resolve_secrets(fleet: DesiredFleet, environ: Mapping[str, str]) -> dict[str, SecretStr]:
    """The value of every secret the fleet references, keyed by variable name.

    Raises :class:`~qlikreconcile.errors.SecretError` listing every variable that is unset or
    empty, each with the files that reference it. Values never appear in messages.
    """
    references = secret_references(fleet)
    missing = [name for name in references if not environ.get(name)]
    if missing:
        lines = [f"  {name} (referenced by {', '.join(references[name])})" for name in missing]
        count = len(missing)
        raise SecretError(
            f"{count} environment variable{'s' if count != 1 else ''} for secret references"
            f" {'are' if count != 1 else 'is'} not set or empty:\n"
            + "\n".join(lines)
            + "\nSet them in the environment of qlikreconcile (never in git)."
        )
    return {name: SecretStr(environ[name]) for name in references}


def resolve_secret(ref: SecretRef, secrets: Mapping[str, SecretStr]) -> SecretStr:
    """The resolved value of one reference, from the result of :func:`resolve_secrets`."""
    try:
        return secrets[ref.env]
    except KeyError:
        raise SecretError(f"secret {ref.env} was not resolved") from None
