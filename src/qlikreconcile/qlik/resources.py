"""The Qlik resource kinds qlikreconcile manages: names, natural keys and capabilities.

Capabilities are declared as data (:class:`~qlikreconcile.engine.kinds.KindSpec`) and consulted
by the engine; the handlers in :mod:`.handlers` perform the operations. Keys are natural:

=================  ==========================  ==============================================
kind               key name                    Qlik object
=================  ==========================  ==============================================
``tenant``         tenant name                 tenant (created on the region's register host)
``space``          space name                  shared / managed space
``assignment``     ``SPACE/GROUP``             group role assignment on a space
``connection``     ``SPACE:NAME``              data connection in a space
``app``            template name               build copy of the template in the shared space
``script``         template name               the build app's load script
``reload``         template name               a SUCCEEDED reload of the build app's content
``published_app``  template name               the copy published to the managed space
``reload_task``    template name               the scheduling task reloading the (published) app
``pending_create`` tenant name                 an obsolete pending-create control record in the
                                               source tenant (:mod:`.pending`), only deleted
=================  ==========================  ==============================================
"""

from __future__ import annotations

from qlikreconcile.engine.keys import Action, ResourceKey
from qlikreconcile.engine.kinds import KindSpec
from qlikreconcile.qlik import quirks

TENANT = "tenant"
SPACE = "space"
ASSIGNMENT = "assignment"
CONNECTION = "connection"
APP = "app"
SCRIPT = "script"
RELOAD = "reload"
PUBLISHED_APP = "published_app"
RELOAD_TASK = "reload_task"
PENDING_CREATE = "pending_create"

KINDS: dict[str, KindSpec] = {
    # The host name is an alias Qlik lets us set (PATCH /hostnames/1): not fixed.
    TENANT: KindSpec(TENANT, 0, fixed_fields=frozenset({"region"})),
    SPACE: KindSpec(
        SPACE,
        1,
        fixed_fields=frozenset({"type"}),
        deletable=True,
        left_behind="the space stays, with everything in it and its members",
    ),
    ASSIGNMENT: KindSpec(
        ASSIGNMENT, 2, deletable=True, left_behind="the group keeps these roles on the space"
    ),
    # Username and password fingerprint live in our own tags (Qlik returns neither).
    CONNECTION: KindSpec(
        CONNECTION,
        3,
        deletable=True,
        sensitive_fields=frozenset({"password"}),
        marker_fields=frozenset({"username", "password"}),
        left_behind="the connection stays usable, with its credentials",
    ),
    APP: KindSpec(
        APP,
        4,
        immutable_fields=frozenset({"template", "release", "digest", "space"}),
        create_before_destroy=True,
        deletable=True,
        left_behind="the build copy stays, with its data",
    ),
    SCRIPT: KindSpec(SCRIPT, 5, create_action=Action.UPDATE, text_fields=frozenset({"script"})),
    RELOAD: KindSpec(
        RELOAD,
        6,
        create_action=Action.RELOAD,
        update_action=Action.RELOAD,
        refresh_action=Action.RELOAD,
    ),
    PUBLISHED_APP: KindSpec(
        PUBLISHED_APP,
        7,
        create_action=Action.PUBLISH,
        update_action=Action.REPUBLISH,
        refresh_action=Action.REPUBLISH,
        fixed_fields=frozenset({"space"}),
        deletable=True,  # never while customers' sheets are seen in it (see discover_apps)
        left_behind="customers still open it in its managed space",
        fixed_hint=quirks.MOVE_PUBLISHED_HINT,
    ),
    RELOAD_TASK: KindSpec(
        RELOAD_TASK,
        8,
        # A legacy reload task (the removed Reload Tasks API) is replaced by a scheduling task.
        immutable_fields=frozenset({"api"}),
        create_before_destroy=True,
        deletable=True,
        left_behind="it keeps reloading its app on schedule",
    ),
    PENDING_CREATE: KindSpec(PENDING_CREATE, 9, update_action=None),
}


def tenant_key(tenant: str) -> ResourceKey:
    return ResourceKey(tenant, TENANT, tenant)


def pending_create_key(tenant: str) -> ResourceKey:
    return ResourceKey(tenant, PENDING_CREATE, tenant)


def space_key(tenant: str, space: str) -> ResourceKey:
    return ResourceKey(tenant, SPACE, space)


def assignment_key(tenant: str, space: str, group: str) -> ResourceKey:
    return ResourceKey(tenant, ASSIGNMENT, f"{space}/{group}")


def connection_key(tenant: str, space: str, name: str) -> ResourceKey:
    return ResourceKey(tenant, CONNECTION, f"{space}:{name}")


def app_key(tenant: str, template: str) -> ResourceKey:
    return ResourceKey(tenant, APP, template)


def script_key(tenant: str, template: str) -> ResourceKey:
    return ResourceKey(tenant, SCRIPT, template)


def reload_key(tenant: str, template: str) -> ResourceKey:
    return ResourceKey(tenant, RELOAD, template)


def published_key(tenant: str, template: str) -> ResourceKey:
    return ResourceKey(tenant, PUBLISHED_APP, template)


def reload_task_key(tenant: str, template: str) -> ResourceKey:
    return ResourceKey(tenant, RELOAD_TASK, template)
