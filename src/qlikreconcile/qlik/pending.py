"""Pending tenant creates: the control record written before ``POST /tenants`` is sent.

Qlik cannot be asked "did my create happen?" (no tenant list, qlik-cloud-api.md §14.2), and each
create consumes a licensed tenant. So before the create is sent, a ``tenant-create`` control
record (:mod:`.control`) is claimed for the tenant; it gains the new tenant's ``id`` as soon as
the 201 arrives, and is cleared once the tenant answers on its alias with its name set.

A later run that finds the record:

* with an ``id``: takes that tenant over (plans ADOPT: alias and name), no operator needed;
* without one, while the spec's host name does not answer: blocks the tenant with the
  :func:`recovery` steps. The operator either names the tenant that was created
  (``tenant: {id: ...}`` in the spec) or states that none was (``qlikreconcile tenant forget``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KIND = "tenant-create"


def record_data(*, host: str, region: str, started: str) -> dict[str, Any]:
    return {"host": host, "region": region, "started": started}


def recovery(tenant: str, *, file: str, data: Mapping[str, Any], source_host: str) -> str:
    """What the operator does about a create whose answer was lost (one paragraph)."""
    host = data.get("host", "?")
    started = data.get("started", "an unknown time")
    where = file or f"desired/tenants/{tenant}.yaml"
    return (
        f"a create of tenant {tenant} ({host}) was sent at {started} and its answer was lost, "
        f"so Qlik may or may not have created it; qlikreconcile will not create it again while "
        f"the control record 'qlikreconcile-control {KIND} {tenant}' exists in the source "
        f"tenant {source_host}. If a tenant was created (look in My Qlik / the tenants of the "
        f"subscription for one created then, with a generated host name), add its id to "
        f"{where} as `tenant: {{..., id: TENANT_ID}}` and apply: it is taken over. If none was "
        f"created, run `qlikreconcile tenant forget {tenant}` and apply again."
    )
