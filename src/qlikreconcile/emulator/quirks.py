"""Every behaviour the public sources leave uncertain, declared in one place.

Each :class:`Quirk` names the question, the source (or the absence of one) and the assumption
the emulator takes. Behaviours that a check against a real tenant could flip are also switches
on :class:`Quirks`, so a correction is one edit here (or one config value in a test). Section
references point at ``shared/docs/qlik-cloud-api.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from qlikreconcile.emulator.quirk import Quirk
from qlikreconcile.emulator.quirks_reloads import RELOAD_QUIRKS

__all__ = ["QUIRKS", "Quirk", "Quirks"]


@dataclass(frozen=True)
class Quirks:
    """Switchable assumptions. Defaults are the emulator's best reading of the sources."""

    # The oauth-token-response schema has expires_at only; whether live Qlik adds expires_in is
    # unknown, so by default the emulator keeps clients honest by omitting it.
    token_includes_expires_in: bool = False
    # Republish keeps the target's community and private sheets (engine autoreplace semantics).
    republish_keeps_user_sheets: bool = True
    # Status for PATCH /tenants/{id} /hostnames/1 when the alias belongs to another tenant
    # (the PATCH documents 400/403/404/429 only, so 400).
    tenant_alias_conflict_status: int = 400
    # POST /tenants with fields beyond licenseKey/datacenter: 400 (True) or ignored (False).
    tenant_create_rejects_undocumented_fields: bool = True
    # Status for republish when checkOriginAppId is true and the target came from another app.
    republish_origin_mismatch_status: int = 400
    # Status for DELETE /apps/{id}/scripts/{current-version}.
    script_delete_current_status: int = 400
    # Seconds a freshly (re)published app answers 403 to GET /apps/{id} (0: off; Qlik: <= ~120).
    published_access_delay_seconds: float = 0.0
    reloads_list_needs_app_id: bool = False  # quirk reloads.list_all


QUIRKS: tuple[Quirk, ...] = (
    Quirk(
        "token.expires_in",
        "[SPEC] oauth-token-response has expires_at only (§1.1, §13)",
        "Token responses carry expires_at (ISO); expires_in only when "
        "Quirks.token_includes_expires_in is set.",
    ),
    Quirk(
        "token.host_scope",
        "[EX] tutorials fetch one token per host; scoping implied, not stated (§1.3)",
        "A token is valid only on the host that issued it; elsewhere 401.",
    ),
    Quirk(
        "host.unknown",
        "no source",
        "A Host that is neither register.REGION.qlikcloud.com nor a tenant hostname answers 404 "
        "with a Qlik error body (code HTTP-404) for every path, /oauth/token included.",
    ),
    Quirk(
        "tenant.disabled",
        "[SPEC] tenants statuses; behaviour of a disabled tenant's host not stated",
        "A disabled tenant answers 403 (TENANTS-DISABLED) to /oauth/token and every /api call on "
        "its own host; the register host still serves it (reactivate).",
    ),
    Quirk(
        "tenant.create.body",
        "[SPEC TenantCreationRequest; TS:tenants.d.ts] licenseKey, datacenter only (§14.2); "
        "qlik-cli's --name/--hostnames are in no API schema",
        "POST /tenants takes licenseKey and datacenter; any other field (name, hostnames) "
        "answers 400 TENANTS-2 (Quirks.tenant_create_rejects_undocumented_fields; False "
        "ignores them). Qlik generates the display host name and the name: here 12 seeded "
        "random-looking [a-z0-9] as LABEL.REGION.qlikcloud.com, the name the same LABEL.",
    ),
    Quirk(
        "tenant.alias",
        "[TS:tenants.d.ts TenantPatchSchema /hostnames/1]; validation rules not stated (§14.2)",
        "PATCH /tenants/{id} [{op: replace, path: /hostnames/1, value}] sets the one alias; it "
        "must be LABEL.REGION.qlikcloud.com of the tenant's own region (else 400 TENANTS-2) and "
        "not another tenant's host name (else Quirks.tenant_alias_conflict_status, 400, "
        "TENANTS-9). The tenant then answers on both names; hostnames lists both. A register "
        "host reads and changes only the tenants of its own region (404 for others).",
    ),
    Quirk(
        "tenant.license",
        "[SPEC licenseOverview] licenseKey is signed; signature scheme unknown",
        "licenseKey is header.payload.signature (base64url, HS256 over an emulator-internal "
        "key); a bad signature on POST /tenants answers 403. New tenants share the licence.",
    ),
    Quirk(
        "spaces.name_unique",
        "[SPEC] 409 'name must be unique'; scope unknown (§13)",
        "Space names are unique tenant-wide across types, compared case-insensitively.",
    ),
    Quirk(
        "spaces.assignee_existence",
        "no source",
        "Assignments do not check that the user or group exists (one per assignee per space).",
    ),
    Quirk(
        "apps.optional_attributes",
        "[SPEC NxAttributes] publishTime 'empty if unpublished'",
        "originAppId, publishTime, lastReloadTime and spaceId are omitted when unset.",
    ),
    Quirk(
        "apps.managed_space_writes",
        "[DOC managing-apps-in-managed-spaces] (§4.3, §5.1)",
        "Apps cannot be created, imported or copied into a managed space (403); their script "
        "cannot be changed (POST scripts 403); they can be reloaded in place.",
    ),
    Quirk(
        "apps.copy_space",
        "no source",
        "POST /apps/{id}/copy without attributes.spaceId puts the copy in the personal space.",
    ),
    Quirk(
        "apps.export",
        "[SPEC] 201 + Location; newer servers may redirect (§4.2)",
        "Export answers 201 with Location /api/v1/temp-contents/{id} and no body; the temp "
        "content expires after temp_content_ttl_seconds (410 afterwards).",
    ),
    Quirk(
        "apps.import.mode",
        "[SPEC] AUTOREPLACE internal only; tutorials use it (§4.1)",
        "mode NEW and AUTOREPLACE (any case) both create a new app; other values answer 400.",
    ),
    Quirk(
        "apps.publish.without_reload",
        "no source",
        "Publishing does not require a successful reload: the copy takes whatever data model "
        "and lastReloadTime the source has.",
    ),
    Quirk(
        "apps.publish.data",
        "[SPEC PublishData] source|target without description (§4.3)",
        "data='source' (default) copies the source data model; data='target' on republish keeps "
        "the target's data model.",
    ),
    Quirk(
        "apps.republish.sheets",
        "no Qlik Cloud statement (§4.3, §13)",
        "Republish replaces script, data model and base (approved) sheets; the target's "
        "community and private sheets are kept (Quirks.republish_keeps_user_sheets).",
    ),
    Quirk(
        "engine.sheets",
        "[TS NxObjectAttributes] private sheets' visibility: no source (§4.4)",
        "The engine socket takes the host's bearer token. GetObjects lists base sheets as "
        "approved, community ones as published, a private one to its owner only. No faults.",
    ),
    Quirk(
        "apps.republish.origin",
        "[SPEC RepublishApp.checkOriginAppId] (§4.3)",
        "With checkOriginAppId true (default) a target whose originAppId differs answers "
        "Quirks.republish_origin_mismatch_status (400). With false, the target is re-linked: "
        "its originAppId becomes the new source id.",
    ),
    Quirk(
        "apps.republish.attributes",
        "no source",
        "Republish without attributes keeps the target's name and description.",
    ),
    Quirk(
        "scripts.delete_current",
        "[SPEC] deleting the current version fails; status unstated",
        "DELETE of the current script version answers Quirks.script_delete_current_status (400).",
    ),
    Quirk(
        "apps.access_after_publish",
        "[EX] Qlik's deploy example retries GET /apps/{id} for about 120 s after publishing "
        "(§14.4); the status and duration are observed, not documented",
        "Off by default. With Quirks.published_access_delay_seconds > 0 (emulator serve "
        "--published-access-delay), GET /apps/{id} of an app (re)published less than that long "
        "ago answers 403 APP-ACCESS-PENDING.",
    ),
    Quirk(
        "items.reload_status",
        "[TS items.d.ts] resourceReloadStatus values not documented",
        "resourceReloadStatus is 'ok' after a successful last reload, 'failed' after a failed one, "
        "absent before any.",
    ),
    Quirk(
        "items.name",
        "[SPEC] 'case-insensitive string used to search for a resource by name'",
        "The items name filter is a case-insensitive exact match.",
    ),
    Quirk(
        "connections.qLogOn",
        "[SPEC] ConnectionGet.qLogOn integer 0|1; ConnectionCreateResponse string (also TS 2026)",
        "GET answers qLogOn as 0|1; the create response echoes the string form.",
    ),
    Quirk(
        "connections.list_limit",
        "[SPEC 2025] default 32; qlik-api-ts 2026 says 20",
        "GET /data-connections defaults to limit 32 (max 100), cursor parameter `page`.",
    ),
    Quirk(
        "connections.credentials",
        "[SPEC ConnectionGet] qUsername/qPassword not part of the schema",
        "qUsername and qPassword are write-only; qConnectionSecret only on GET by id.",
    ),
    Quirk(
        "items.personal_space",
        "no source",
        'Items of personal-space apps carry spaceId ""; ?spaceId=personal selects them.',
    ),
    Quirk(
        "links.scheme",
        "[SPEC] absolute hrefs",
        "Absolute links use the request's scheme and Host header (http when served by uvicorn "
        "on loopback).",
    ),
    Quirk(
        "rate_limits.window",
        "[DOC rate-limiting] per tier/user/tenant, 5-minute window (§9.3); [SPEC x-qlik-tier]",
        "When enabled: per (host, user, tier) over a sliding 60 s window: tier 1 1000, tier 2 "
        "100 a minute; each special endpoint its own budget (POST /reloads 50, reload cancel 50, "
        "POST /users/actions/filter 200). Stricter than Qlik's 5-minute evaluation (no 5x burst), "
        "so a client that copes here copes there. 429 HTTP-429 with whole-second Retry-After.",
    ),
    Quirk(
        "reload_tasks.next_execution",
        "[SPEC TaskBase] RFC 5545 RRULE lines, IANA timeZone (§6.2)",
        "nextExecutionTime is the earliest occurrence after now of any RRULE (FREQ MINUTELY.."
        "YEARLY, INTERVAL, COUNT, UNTIL, BYDAY incl. ordinals, BYMONTHDAY, BYMONTH, BYHOUR, "
        "BYMINUTE, BYSECOND), searched day by day over ~4 years; BYSETPOS/BYYEARDAY/BYWEEKNO "
        "answer 400. State Completed when every rule has run out. Legacy tasks never run.",
    ),
    Quirk(
        "api_version.fallback",
        "[CL 266; DOC qlik.dev/apis/versioning] omitted or unsupported -> the oldest supported "
        "release; supported 2026-05, 2026-08, 2026-11; `latest` valid (§14.3)",
        "Every request's qlik-api-version is recorded (GET /_emulator/requests); payloads never "
        "depend on it. A missing or unsupported value is served as 2026-05.",
    ),
    Quirk(
        "api_version.deprecations",
        "[CL 209] Deprecation: true, Sunset, Link; @qlik/api parses Deprecation: @<unix>; the "
        "acknowledged release decides which warnings come back, `latest` gets none (§14.3)",
        "Every release but `latest` gets the headers of emulator/deprecations.py's table "
        "(today: /api/v1/reload-tasks, deprecated 2026-06-26, sunset 2026-09-29) on every "
        "answer of that API, errors included: Deprecation: @<unix>, Sunset: <HTTP date>, "
        'Link: <changelog>; rel="deprecation".',
    ),
    Quirk(
        "spaces.community_sheets",
        "[TS spaces.d.ts] managed-space roles; Qlik's managed-space permission help: only "
        "members who may contribute make their own sheets public (§14.4; verify live)",
        "A customer's community sheet added through the admin API with `group` is refused (403) "
        "in a managed space unless that group holds contributor there; consumer, "
        "dataconsumer, facilitator, publisher and basicconsumer alone do not suffice.",
    ),
    Quirk(
        "reload_tasks.removed",
        "[CL 231] removed on or after 2026-09-29; [CL 271] POST 410 TASKS-011, PUT/DELETE of a "
        "migrated task 400 TASKS-001 (§14.1)",
        "POST answers 410 TASKS-011. GET (list and by id) still answers, with migrated: true|"
        "false (not stated as removed). PUT/DELETE of a migrated task answer 400 TASKS-001; of a "
        "task never migrated they still work. Tasks made before the removal are seeded through "
        "POST /_emulator/tenants/{host}/legacy-reload-tasks.",
    ),
    Quirk(
        "reload_tasks.migration",
        "[DOC migrate-reload-tasks-to-tasks] migrated tasks carry migrated: true; "
        "[TS scheduling] TaskMetadata.migratedFrom; [CL 135] an app's old tasks are turned off "
        "once it has a task in the new service",
        "A migrated legacy task has a scheduling task copy with metadata.migratedFrom = the "
        "legacy id, the same recurrence and zone, enabled, no description; the legacy task shows "
        "migrated: true and state Disabled. Creating a scheduling task for an app turns its "
        "enabled legacy tasks Disabled (disabledCode MANUALLY).",
    ),
    Quirk(
        "scheduling.error_envelope",
        "[SPEC scheduling] errors: [{code: <integer>, title, context}], traceId; qlik-cli lists "
        "CHO-nnn codes for the convenience endpoints; the observed start answer is the flat "
        "{status_code, code: CHO-000, message, context, timestamp, value} (qlik-scheduling-"
        "tasks.md §1)",
        "The reload convenience create answers errors in the flat CHO envelope (no timestamp); "
        "the generic operations answer {errors: [{code: <HTTP status>, title, context}], "
        "traceId}. A missing app is 403 CHO-003 (documented), more than 10 tasks on an app 422 "
        "CHO-014, a refused schedule 400 CHO-017, a bad name/description/flag 400 CHO-001.",
    ),
    Quirk(
        "scheduling.task_shape",
        "[SPEC scheduling Task] (reconstructed); the official example response",
        "A time-scheduled reload renders as start.schedule {recurrence (one RRULE string), "
        "timezone} and one state named reload of type `event` (lowercase, as Qlik's example) "
        "whose action is app.reload {appId, partial: false}; specVersion 1.16.0; metadata "
        "spaceId/spaceType/resourceName from the app, trigger type 0 (TIME_SCHEDULE), "
        "orchestration type 3 with last_run_* attrs after a run. Created disabled "
        "(disabledCode MANUALLY) unless enabled: true.",
    ),
    Quirk(
        "scheduling.no_clock",
        "no source needed: the emulator has no scheduler loop",
        "Occurrences of a schedule do not fire by themselves; POST .../{id}/actions/start runs "
        "a task (a real reload through the reload lifecycle, recorded as a run). Five failed "
        "runs in a row disable the task with CONSECUTIVE-FAILURES (the legacy log text says "
        "'exceeded limit of 5 consecutive reload failures'); other codes (APP-SCRIPT-UPDATED, "
        "OWNER-DELETED, ...) are set through POST /_emulator/tenants/{host}/scheduling-tasks/"
        "{id}/disable.",
    ),
    Quirk(
        "scheduling.grammar",
        "no source states the scheduler's RRULE subset; the legacy reload task's examples use "
        "FREQ DAILY/WEEKLY with BYDAY/BYHOUR/BYMINUTE/BYSECOND (§6.2)",
        "Accepted: FREQ MINUTELY..YEARLY, INTERVAL 1-1000, COUNT 1-100000, UNTIL, BYDAY (ordinals"
        " 1-5 only with MONTHLY/YEARLY), BYMONTHDAY, BYMONTH, BYHOUR, BYMINUTE, BYSECOND 0-59, "
        "WKST=MO; SECONDLY, BYSETPOS, BYYEARDAY, BYWEEKNO answer 400 CHO-017. Time zones: "
        "IANA names only (UTC, Etc/UTC, Europe/Zurich; not offsets such as Z or UTC+2). The "
        "spec's validate refuses the same (tests/spec/test_schedule_grammar.py).",
    ),
    Quirk(
        "scheduling.put",
        "[SPEC scheduling updateTask] full replace, omitted fields reset to defaults, ownership "
        "moves to the caller; Task allows no additional properties",
        "PUT takes a whole Task (name, specVersion required; unknown keys 400; resourceId and "
        "metadata ignored). Omitted enabled means false: disabledCode MANUALLY, except that a "
        "task Qlik disabled and that stays disabled keeps Qlik's reason (INFERRED). Only "
        "time-scheduled app.reload tasks are modelled; others answer 400. 409 is never sent.",
    ),
    Quirk(
        "reload_tasks.jobId",
        "[SPEC Task] jobId is required but not described",
        "jobId equals the task id.",
    ),
    Quirk(
        "reload_tasks.put",
        "[SPEC PutTaskBody] no required fields",
        "PUT replaces the fields present and keeps absent ones; state Disabled sets "
        "disabledCode MANUALLY. startDateTime with an offset while timeZone is set answers 400.",
    ),
    Quirk(
        "host.default",
        "no source (emulator-only convenience; architecture §6)",
        "A Host outside qlikcloud.com (an IP, localhost, a container name) addresses the default "
        "host: EmulatorConfig.default_host, else the seeded source tenant. Tokens issued there "
        "are scoped to that Qlik host.",
    ),
    Quirk(
        "spaces.meta_actions",
        "[SPEC ActionName] includes change_owner; [PY Spaces.ActionName] (qlik-sdk 0.17) does not",
        "Space meta.actions omit change_owner so qlik-sdk 0.17 can parse spaces. Whether a real "
        "tenant lists change_owner for an M2M bot (which would break that SDK) is unverified.",
    ),
    Quirk(
        "csrf_token",
        "[SPEC /v1/csrf-token] 204 + qlik-csrf-token, or 400 CSRF-TOKEN-4 for some auth types",
        "Answers 204 with a qlik-csrf-token header for bearer tokens too.",
    ),
    Quirk(
        "pagination.max",
        "[SPEC] spaces and assignments list limit: default 10, no maximum stated (§3, §13)",
        "limit above 100 answers 400 there too, like every other list endpoint; the defaults "
        "and maxima of the others are the spec's (checked by tests/conformance/test_limits.py).",
    ),
    Quirk(
        "apps.reload_log_content_type",
        "[SPEC] application/octet-stream; [TS apps.d.ts] text (§4)",
        "GET /apps/{id}/reloads/logs/{reloadId} answers text/plain; charset=UTF-8.",
    ),
    Quirk(
        "items.publisheditems_schema",
        "[SPEC] declares the collections list schema; its description says published items",
        "GET /items/{id}/publisheditems answers an items list (ItemsListItemsResponseBody).",
    ),
    Quirk(
        "tenant.purge",
        "[SPEC] reactivate is possible until estimatedPurgeDate; what follows is not stated",
        "Once estimatedPurgeDate has passed, a disabled tenant reads as status 'deleted' and "
        "reactivate answers 403 (TENANTS-11); its hosts keep answering 403.",
    ),
    *RELOAD_QUIRKS,
)
