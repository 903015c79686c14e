"""The emulator's assumptions about reloads: outcome, failures, data model, cancel, queue.

Part of :data:`.quirks.QUIRKS` (kept apart so each module stays small); section references point
at ``shared/docs/qlik-cloud-api.md``.
"""

from __future__ import annotations

from qlikreconcile.emulator.quirk import Quirk

RELOAD_QUIRKS: tuple[Quirk, ...] = (
    Quirk(
        "reloads.outcome",
        "[DOC CONNECT.htm] connection lookup rules (§5.1)",
        "The outcome is decided when the reload is created from the app's current script: "
        "every LIB CONNECT TO 'Space:Name' / 'Name' / ':Name' and lib://Space:Name/ / lib://Name/ "
        "must name an existing connection (exact names; no prefix = the app's own space; "
        "DataFiles always exists). Otherwise FAILED with errorCode EngineReloadError and a log "
        "line \"The following error occurred: Connection not found: 'Space:Name'\".",
    ),
    Quirk(
        "reloads.list_all",
        "[SPEC /v1/reloads] appId required, except TenantAdmin may omit it (§6.1)",
        "Without appId: the whole tenant; 400 with Quirks.reloads_list_needs_app_id (no admin).",
    ),
    Quirk(
        "reloads.transient_failure",
        "[SPEC Reload.errorCode/errorMessage examples] EngineConnectionError, 'failed to complete "
        "reload: unexpected EOF'; the codes of other failures are not documented (§6.1)",
        "An injected reload failure (faults reload-fail, reload_fail_apps, reload_fail_times) is "
        "the engine's, not the script's: FAILED with errorCode EngineConnectionError, "
        "errorMessage 'failed to complete reload: unexpected EOF' and a log without a 'The "
        "following error occurred' line. Script failures (a missing connection, a refused login) "
        "keep EngineReloadError and that line; the script is judged first, so a broken script is "
        "never reported as an engine failure.",
    ),
    Quirk(
        "reloads.data_model",
        "no source: the emulator has no data; DataModelMetadata shape from [SPEC] (§4.5)",
        "A SUCCEEDED reload leaves one table per labelled LOAD/SQL/SELECT of the script, with "
        "the fields of its column list (aliases win), and a row count seeded from app id, "
        "script and label (50 to 50,049), except 0 rows for a table whose statements (the "
        "labelled one and the unlabelled LOAD/SQL/SELECT right after it) have a WHERE that is "
        "false whatever the data: literal comparisons that do not hold (1 = 0, 'a' = 'b', "
        "0 > 1), FALSE or 0, combined with AND/OR/parentheses. Empty tables keep their fields.",
    ),
    Quirk(
        "reloads.cancel",
        "[SPEC] 202 being cancelled / 204 cancelled",
        "Cancel of a QUEUED reload answers 204 (CANCELED at once); of a RELOADING reload 202 "
        "(CANCELING for reload_queue_seconds, then CANCELED); terminal reloads answer 409.",
    ),
    Quirk(
        "reloads.subscription_queue",
        "[DOC] all tenants of one subscription share one reload queue; POST /reloads weight "
        "1-10 (§6.1, §9.4, §14.4); capacity and ordering not documented",
        "The tenants sharing a licence number share one queue: at most EmulatorConfig."
        "reload_slots (10) reloads RELOADING at once, the rest QUEUED first in, first out, "
        "resolved when a reload is created (a cancel does not move later reloads up). weight is "
        "not modelled (not sent by qlikreconcile). startTime is when the reload really started.",
    ),
)
