"""Ownership markers: how qlikreconcile recognises what it created, with no state file.

Every marker lives in a field the real API accepts and returns (architecture §4):

* spaces: a marker line at the end of ``description``;
* data connections: the tag ``qlikreconcile`` in ``tags``, with tags for the username and a keyed
  fingerprint of the password qlikreconcile last wrote (Qlik never returns either);
* build apps (the tenant's copy of a template in its shared space): a marker in the app
  ``description`` naming template, release and artifact digest;
* published apps: a marker in ``description`` naming the template and the content digest;
* load scripts: a header comment naming template and release, and a ``versionMessage`` naming
  them and a hash of the script's text (flagged ``adopted,`` on the version that only added the
  header to an adopted app's script);
* build apps whose data passed the template's checks: a gate note after the marker naming the
  reload and a hash of the checks (:func:`gate_note`), so a plan reads the data model only of a
  reload nobody judged yet.

Markers also carry ``applied=<digest>``: the digest of the fields qlikreconcile last wrote, so a
later plan can tell a change made in the tenant (drift) from a change in the spec.

Anything without a marker is never changed or deleted, unless the tenant file adopts it
(``adopt_unmarked: true``): then apply writes the marker (an ``adopt`` operation).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# The header line is the spec's (an app's script is held once, header included); re-exported.
from qlikreconcile.spec.desired_state import script_header as script_header

SPACE_MARKER = "[managed by qlikreconcile"
CONNECTION_TAG = "qlikreconcile"
APPLIED_TAG_PREFIX = "qlikreconcile-applied-"
USERNAME_TAG_PREFIX = "qlikreconcile-user:"
PASSWORD_TAG_PREFIX = "qlikreconcile-password:"
SCRIPT_VERSION_PREFIX = "qlikreconcile:"
_SPACE_RE = re.compile(r"\[managed by qlikreconcile(?: applied=(?P<applied>[0-9a-f]{12}))?\]")

_APP_RE = re.compile(
    r"\[managed by qlikreconcile: (?P<role>build|published|superseded|schedule)"
    r" template=(?P<template>[\w.-]+)"
    r"(?: release=(?P<release>\d+))?(?: sha256=(?P<digest>[0-9a-f]{64}))?"
    r"(?: content=(?P<content>[0-9a-f]{16}))?(?: applied=(?P<applied>[0-9a-f]{12}))?\]"
)


def space_description(user_text: str, applied: str) -> str:
    """The description to store: the user's text, then the marker line."""
    marker = f"{SPACE_MARKER} applied={applied}]"
    return f"{user_text.strip()}\n\n{marker}" if user_text.strip() else marker


def parse_space_description(description: str | None) -> tuple[bool, str, str | None]:
    """(owned, the user's part of the description, the applied digest)."""
    text = description or ""
    match = _SPACE_RE.search(text)
    if match is None:
        return False, text.strip(), None
    return True, (text[: match.start()] + text[match.end() :]).strip(), match["applied"]


def connection_tags(
    applied: str, username: str | None = None, password_fingerprint: str | None = None
) -> list[str]:
    """Our tags: ownership, applied digest, and the credentials last written (never a secret)."""
    tags = [CONNECTION_TAG, f"{APPLIED_TAG_PREFIX}{applied}"]
    if username:
        tags.append(f"{USERNAME_TAG_PREFIX}{username}")
    if password_fingerprint:
        tags.append(f"{PASSWORD_TAG_PREFIX}{password_fingerprint}")
    return tags


def connection_credentials(tags: list[str] | None) -> tuple[str | None, str | None]:
    """(username, password fingerprint) as recorded in our tags when we last wrote them."""
    found = tags or []
    username = next(
        (t[len(USERNAME_TAG_PREFIX) :] for t in found if t.startswith(USERNAME_TAG_PREFIX)), None
    )
    fingerprint = next(
        (t[len(PASSWORD_TAG_PREFIX) :] for t in found if t.startswith(PASSWORD_TAG_PREFIX)), None
    )
    return username, fingerprint


def parse_connection_tags(tags: list[str] | None) -> tuple[bool, str | None]:
    """(owned, the applied digest)."""
    found = tags or []
    applied = next(
        (t[len(APPLIED_TAG_PREFIX) :] for t in found if t.startswith(APPLIED_TAG_PREFIX)), None
    )
    return CONNECTION_TAG in found, applied


@dataclass(frozen=True, slots=True)
class AppMarker:
    """What an app's description says about it, when qlikreconcile made it."""

    role: str  # build | published | superseded | schedule (a scheduling task's description)
    template: str
    release: int | None = None
    digest: str | None = None
    content: str | None = None
    applied: str | None = None

    def render(self) -> str:
        parts = [f"[managed by qlikreconcile: {self.role} template={self.template}"]
        if self.release is not None:
            parts.append(f"release={self.release}")
        if self.digest:
            parts.append(f"sha256={self.digest}")
        if self.content:
            parts.append(f"content={self.content}")
        if self.applied:
            parts.append(f"applied={self.applied}")
        return " ".join(parts) + "]"


def app_description(user_text: str, marker: AppMarker) -> str:
    return f"{user_text.strip()}\n\n{marker.render()}" if user_text.strip() else marker.render()


def parse_app_marker(description: str | None) -> AppMarker | None:
    match = _APP_RE.search(description or "")
    if match is None:
        return None
    release = match["release"]
    return AppMarker(
        role=match["role"],
        template=match["template"],
        release=int(release) if release else None,
        digest=match["digest"],
        content=match["content"],
        applied=match["applied"],
    )


def content_digest(digest: str, script: str) -> str:
    """What a published app shows (recorded in its marker): the release's artifact and the
    tenant's script, hashed."""
    return hashlib.sha256(f"{digest}\n{script}".encode()).hexdigest()[:16]


def script_digest(script: str) -> str:
    """A short hash of a load script, carried in the version message of each script we set."""
    return hashlib.sha256(script.encode()).hexdigest()[:16]


_DIGEST_RE = re.compile(r" script ([0-9a-f]{16})$")


def script_version_message(template: str, release: int, script: str) -> str:
    """The ``versionMessage`` of a script we set: whose it is, and a hash of its text.

    The hash lets discovery read only the version history: when the newest version (the current
    one) is ours and its hash is the spec's, its text is the spec's (no second call for it).
    """
    return (
        f"{SCRIPT_VERSION_PREFIX} template {template} release {release} "
        f"script {script_digest(script)}"
    )


ADOPTED = "adopted,"


def adoption_message(message: str) -> str:
    """The version message of the script version an adoption writes: our message, flagged.

    That version only adds our header comment to a script whose text already was the spec's, so
    discovery does not take it for a content change (the data loaded before it stays current).
    """
    return f"{SCRIPT_VERSION_PREFIX} {ADOPTED}{message.removeprefix(SCRIPT_VERSION_PREFIX)}"


def is_adoption_message(message: str) -> bool:
    return message.startswith(f"{SCRIPT_VERSION_PREFIX} {ADOPTED}")


def message_digest(message: str) -> str | None:
    """The script hash in one of our version messages (None: not ours, or written before it)."""
    if not message.startswith(SCRIPT_VERSION_PREFIX):
        return None
    found = _DIGEST_RE.search(message)
    return found.group(1) if found else None


_GATE_RE = re.compile(
    r"\n*\[qlikreconcile gate: reload=(?P<reload>[\w.-]+) checks=(?P<checks>[0-9a-f]{16})\]"
)


def gate_note(reload_id: str, checks: str) -> str:
    """The note that reload ``reload_id``'s data passed the checks hashed ``checks``.

    A line of its own after the marker, not a field of it: a qlikreconcile from before the note
    still reads the marker, and an app update that rewrites the description drops the note (the
    next plan then judges the data again).
    """
    return f"[qlikreconcile gate: reload={reload_id} checks={checks}]"


def with_gate_note(description: str, reload_id: str, checks: str) -> str:
    """``description`` with its gate note (if any) replaced by the one for ``reload_id``."""
    kept = _GATE_RE.sub("", description).rstrip()
    return f"{kept}\n\n{gate_note(reload_id, checks)}" if kept else gate_note(reload_id, checks)


def parse_gate_note(description: str | None) -> tuple[str, str] | None:
    """(reload id, checks hash) of the gate note in ``description``; None without one."""
    found = _GATE_RE.search(description or "")
    return (found["reload"], found["checks"]) if found else None
