"""Secret redaction for text and log records.

Two layers: exact values registered at runtime (client secrets, access tokens, connection
passwords resolved from env) via :func:`register_secret`, and patterns that look like credentials
whatever their value (``Bearer xxx``, ``client_secret=xxx``, ``"access_token": "xxx"``).

:class:`RedactingFilter` applies both to every log record passing a handler, including formatted
exception text. The CLI installs it with :func:`install_redaction`; the client registers the
secrets it handles, so a record logged anywhere in the process is masked.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
"""What a secret becomes in text."""

_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words and digits

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] | None = None  # longest first; rebuilt lazily after a change

_KEYS = r"(?:client_secret|access_token|refresh_token|password|qPassword|qConnectionSecret)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), r"\1 " + MASK),
    (re.compile(r'(?i)("' + _KEYS + r'"\s*:\s*")(?:[^"\\]|\\.)*(")'), r"\g<1>" + MASK + r"\g<2>"),
    (re.compile(r"(?i)('" + _KEYS + r"'\s*:\s*')(?:[^'\\]|\\.)*(')"), r"\g<1>" + MASK + r"\g<2>"),
    (re.compile(r"(?i)\b(" + _KEYS + r")=[^&\s\"',;]+"), r"\1=" + MASK),
)


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears in redacted text from now on."""
    global _ordered
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value not in _secrets:
            _secrets.add(value)
            _ordered = None


def unregister_secret(value: str | None) -> None:
    """Stop masking ``value`` (e.g. an access token that was replaced)."""
    global _ordered
    with _lock:
        if value in _secrets:
            _secrets.discard(value)
            _ordered = None


def _registered() -> tuple[str, ...]:
    global _ordered
    with _lock:
        if _ordered is None:
            # Longest first, so a secret that contains another is masked whole.
            _ordered = tuple(sorted(_secrets, key=len, reverse=True))
        return _ordered


def registered_secrets() -> tuple[str, ...]:
    """The values masked now (handed to the worker processes of a fleet read, which mask them
    in what they log)."""
    return _registered()


def redact_text(text: str) -> str:
    """``text`` with registered secrets and credential-looking fragments masked."""
    # Plain substring tests, not one big regex: a fleet run registers a token per tenant host,
    # and recompiling an alternation of hundreds of tokens after each one costs seconds.
    for secret in _registered():
        if secret in text:
            text = text.replace(secret, MASK)
    for regex, replacement in _PATTERNS:
        text = regex.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the message and in exception text.

    Attach it to handlers (filters on a logger do not see records propagated from child loggers).
    It never drops a record.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def install_redaction(*handlers: logging.Handler) -> RedactingFilter:
    """Add one :class:`RedactingFilter` to ``handlers`` (default: the root logger's handlers)."""
    redacting = RedactingFilter()
    for handler in handlers or tuple(logging.getLogger().handlers):
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
