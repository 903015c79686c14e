"""The one exception tree of qlikreconcile.

Every error a user can cause or meet derives from :class:`QlikReconcileError`; the CLI turns each
into one clear message and an exit code, never a traceback. Errors carry structured fields
(source position, resource key, HTTP status, Qlik error code, trace id) rather than pre-formatted
prose, so renderers and logs can present them consistently.

    QlikReconcileError
    ├── SpecError                 the desired state in git is invalid (one or many problems)
    ├── TargetError               the target (emulator, served emulator, Qlik Cloud) is unusable
    ├── SecretError               a secret reference cannot be resolved
    ├── PlanError                 a plan cannot be made or loaded
    ├── GuardError                apply refused: the plan exceeds the blast-radius guard
    ├── OperationError            an operation ran but did not reach its goal (a reload FAILED)
    ├── ApiError                  Qlik answered with an error
    │   ├── AuthError               401/403 at /oauth/token or on a call
    │   ├── NotFoundError           404
    │   ├── ConflictError           409
    │   ├── PreconditionError       412
    │   └── RateLimitError          429 after the retry budget is spent
    ├── EngineError               the engine (QIX over a websocket) refused a session or a call
    └── TransportError            no usable answer (connection refused, reset, timeout)

This module is a leaf: it imports nothing else of qlikreconcile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class QlikReconcileError(Exception):
    """Root of every error qlikreconcile raises on purpose."""


@dataclass(frozen=True, slots=True)
class SourcePosition:
    """Where in the desired state a problem was found (1-based line and column)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation finding: where, what is wrong, and how to fix it."""

    position: SourcePosition
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        text = f"{self.position}: {self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text


class SpecError(QlikReconcileError):
    """The desired state is invalid; holds every problem found, not only the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the desired state"
        super().__init__(head + "".join(f"\n  {p}" for p in self.problems))


class TargetError(QlikReconcileError):
    """The chosen target cannot be used as configured."""


class SecretError(QlikReconcileError):
    """A secret reference cannot be resolved; the message names the variable, never a value."""


class PlanError(QlikReconcileError):
    """A plan cannot be built, saved or loaded."""


class GuardError(QlikReconcileError):
    """Apply refused a plan before any change: it republishes, replaces or deletes more of the
    fleet than the blast-radius guard allows (``reasons`` name the figures)."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(
            "apply refused by the blast-radius guard (rollout.guard in fleet.yaml): "
            + "; ".join(self.reasons)
            + ". Review the plan; if this much change is meant, apply again with --force"
        )


class OperationError(QlikReconcileError):
    """An operation ran but did not reach its goal; ``detail`` carries Qlik's own words."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        self.detail = detail
        super().__init__(message)


class ApiError(QlikReconcileError):
    """Qlik (or the emulator) answered a request with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        code: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        trace_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.code = code
        self.title = title
        self.detail = detail
        self.trace_id = trace_id
        self.retry_after = retry_after
        parts = [f"{method} {url} -> {status}"]
        if code:
            parts.append(code)
        if message:
            parts.append(message)
        if trace_id:
            parts.append(f"traceId={trace_id}")
        super().__init__(": ".join(parts[:2]) + (" " + " ".join(parts[2:]) if parts[2:] else ""))


class AuthError(ApiError):
    """Authentication or authorisation failed (401/403)."""


class NotFoundError(ApiError):
    """The addressed object does not exist (404)."""


class ConflictError(ApiError):
    """The object already exists or is in a conflicting state (409)."""


class PreconditionError(ApiError):
    """A precondition failed (412), e.g. deleting a non-empty space."""


class RateLimitError(ApiError):
    """Still rate limited (429) after the retry budget was spent."""


class EngineError(QlikReconcileError):
    """Qlik's associative engine (JSON-RPC over ``wss://HOST/app/APPID``) refused or failed.

    ``status`` is the HTTP status of a refused websocket handshake (None once connected);
    ``code`` is the engine's error code of a failed call (e.g. 5 access denied).
    """

    def __init__(
        self, message: str, *, url: str, status: int | None = None, code: int | None = None
    ) -> None:
        self.url = url
        self.status = status
        self.code = code
        super().__init__(f"engine {url}: {message}")


class TransportError(QlikReconcileError):
    """No usable HTTP answer: connection refused or reset, or a timeout."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(f"{method} {url}: {message}")
