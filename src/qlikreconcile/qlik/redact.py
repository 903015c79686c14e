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
_pattern: re.Pattern[str] | None = None

_KEYS = r"(?:client_secret|access_token|refresh_token|password|qPassword|qConnectionSecret)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), r"\1 " + MASK),
    (re.compile(r'(?i)("' + _KEYS + r'"\s*:\s*")(?:[^"\\]|\\.)*(")'), r"\g<1>" + MASK + r"\g<2>"),
    (re.compile(r"(?i)('" + _KEYS + r"'\s*:\s*')(?:[^'\\]|\\.)*(')"), r"\g<1>" + MASK + r"\g<2>"),
    (re.compile(r"(?i)\b(" + _KEYS + r")=[^&\s\"',;]+"), r"\1=" + MASK),
)


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears in redacted text from now on."""
    global _pattern
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value not in _secrets:
            _secrets.add(value)
            _pattern = None


def unregister_secret(value: str | None) -> None:
    """Stop masking ``value`` (e.g. an access token that was replaced)."""
    global _pattern
    with _lock:
        if value in _secrets:
            _secrets.discard(value)
            _pattern = None


def _secret_pattern() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _secrets:
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(_secrets, key=len, reverse=True)
            _pattern = re.compile("|".join(re.escape(s) for s in ordered))
        return _pattern


def redact_text(text: str) -> str:
    """``text`` with registered secrets and credential-looking fragments masked."""
    pattern = _secret_pattern()
    if pattern is not None:
        text = pattern.sub(MASK, text)
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
