"""The names and natural keys of the resource kinds qlikreconcile manages.

Everything else about a kind (capabilities, reading, wanting, operations) is in its module
under :mod:`.kinds`; the names and keys are here, a leaf, because the readers and helpers the
kinds share (the app family's reading, schedules, ownership markers) name each other's
resources. Keys are natural:

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

from qlikreconcile.engine.keys import ResourceKey

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
