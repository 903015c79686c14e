"""Changes to apps: creation (new, copy, publish, import), edits, republish, scripts, deletion.

Routes (``api/apps``, ``api/publish``, ``api/scripts``, ``api/transfer``) check spaces, names and
quirks; these functions own ids, timestamps, what a copy carries (script, base sheets, data
model) and what a deletion takes with it (the app's reload and scheduling tasks).
"""

from __future__ import annotations

from qlikreconcile.emulator.state.app_archive import AppArchive
from qlikreconcile.emulator.state.apps import App, DataModel, ScriptVersion, Sheet, SheetType
from qlikreconcile.emulator.state.records import set_given
from qlikreconcile.emulator.state.store import EmulatorStore
from qlikreconcile.emulator.state.tenant import Tenant


def new_script_version(
    store: EmulatorStore, script: str, message: str, user_id: str
) -> ScriptVersion:
    return ScriptVersion(
        id=store.new_id("hex24"),
        script=script,
        version_message=message,
        modified_at=store.now(),
        modifier_id=user_id,
    )


def create_app(
    store: EmulatorStore,
    tenant: Tenant,
    *,
    user_id: str,
    name: str,
    description: str = "",
    space_id: str | None,
    script: str | None = None,
    version_message: str = "",
) -> App:
    """A new app owned by ``user_id``; ``script`` None leaves it without script versions."""
    now = store.now()
    app = App(
        id=store.new_id("uuid"),
        item_id=store.new_id("hex24"),
        name=name,
        description=description,
        space_id=space_id,
        owner_id=user_id,
        created_at=now,
        modified_at=now,
    )
    if script is not None:
        app.scripts.append(new_script_version(store, script, version_message, user_id))
    tenant.apps[app.id] = app
    return app


def _base_sheets(sheets: list[Sheet], *, approved: bool, user_id: str, now: float) -> list[Sheet]:
    """Base sheets keep their object ids across copies (as engine object ids do)."""
    return [
        s.model_copy(update={"approved": approved, "owner_id": user_id, "created_at": now})
        for s in sheets
        if s.type == "base"
    ]


def _copy_model(model: DataModel | None) -> DataModel | None:
    return model.model_copy(deep=True) if model is not None else None


def copy_app(
    store: EmulatorStore,
    tenant: Tenant,
    source: App,
    *,
    user_id: str,
    name: str,
    description: str,
    space_id: str | None,
    published: bool = False,
) -> App:
    """A copy with the source's script, base sheets and data model. A ``published`` copy (in a
    managed space) has approved base sheets and remembers its origin and publish time."""
    app = create_app(
        store,
        tenant,
        user_id=user_id,
        name=name,
        description=description,
        space_id=space_id,
        script=source.current_script(),
        version_message="Published" if published else "",
    )
    now = store.now()
    if published:
        app.origin_app_id = source.id
        app.publish_time = now
        app.usage = source.usage
    app.sheets = _base_sheets(source.sheets, approved=published, user_id=user_id, now=now)
    app.data_model = _copy_model(source.data_model)
    app.last_reload_at = source.last_reload_at
    return app


def republish_app(
    store: EmulatorStore,
    target: App,
    source: App,
    *,
    user_id: str,
    name: str,
    description: str,
    with_data: bool,
    keep_user_sheets: bool,
) -> None:
    """Replace the published ``target``'s script and base sheets (and data model when
    ``with_data``) by the source's; its community and private sheets stay when
    ``keep_user_sheets`` (quirk ``apps.republish.*``)."""
    now = store.now()
    target.origin_app_id = source.id
    target.name = name
    target.description = description
    target.scripts.append(
        new_script_version(store, source.current_script(), "Republished", user_id)
    )
    keep = [s for s in target.sheets if s.type != "base"] if keep_user_sheets else []
    target.sheets = _base_sheets(source.sheets, approved=True, user_id=user_id, now=now) + keep
    if with_data:
        target.data_model = _copy_model(source.data_model)
        target.last_reload_at = source.last_reload_at
    target.publish_time = now
    target.modified_at = now


def import_app(
    store: EmulatorStore,
    tenant: Tenant,
    archive: AppArchive,
    *,
    user_id: str,
    name: str,
    space_id: str | None,
) -> App:
    """A new app from an exported archive; its sheets come back as unapproved base sheets."""
    app = create_app(
        store,
        tenant,
        user_id=user_id,
        name=name,
        description=archive.description,
        space_id=space_id,
        script=archive.script,
        version_message="Imported",
    )
    now = store.now()
    app.usage = archive.usage
    app.sheets = [
        Sheet(id=s.id, title=s.title, type="base", owner_id=user_id, approved=False, created_at=now)
        for s in archive.sheets
    ]
    app.data_model = archive.data_model
    return app


def update_app(
    app: App,
    now: float,
    *,
    name: str | None = None,
    description: str | None = None,
    owner_id: str | None = None,
) -> None:
    """Set the attributes given (None: unchanged) and stamp the change."""
    set_given(app, name=name, description=description, owner_id=owner_id)
    app.modified_at = now


def move_app(app: App, space_id: str | None, now: float) -> None:
    """Into ``space_id``, or out of any space into its owner's personal space (None)."""
    app.space_id = space_id
    app.modified_at = now


def delete_app(tenant: Tenant, app_id: str) -> None:
    """Remove the app and its reload and scheduling tasks. Published copies keep their
    originAppId: they are orphaned, as on Qlik Cloud."""
    del tenant.apps[app_id]
    for task_id in [k for k, t in tenant.reload_tasks.items() if t.app_id == app_id]:
        del tenant.reload_tasks[task_id]
    tasks = tenant.scheduling_tasks
    for task_id in [k for k, t in tasks.items() if t.app_id == app_id]:
        del tasks[task_id]


def add_script(store: EmulatorStore, app: App, script: str, message: str, user_id: str) -> None:
    """A new current script version."""
    app.scripts.append(new_script_version(store, script, message, user_id))
    app.modified_at = store.now()


def set_script_message(version: ScriptVersion, message: str) -> None:
    version.version_message = message


def add_user_sheet(
    store: EmulatorStore, app: App, *, title: str, kind: SheetType, owner_id: str
) -> Sheet:
    """A customer's own sheet: a community one is published now, a private one never."""
    now = store.now()
    sheet = Sheet(
        id=store.new_id("hex24"),
        title=title,
        type=kind,
        owner_id=owner_id,
        approved=False,
        published_at=now if kind == "community" else None,
        created_at=now,
    )
    app.sheets.append(sheet)
    return sheet


def delete_script_version(app: App, version: ScriptVersion) -> None:
    app.scripts.remove(version)
