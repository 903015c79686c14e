"""Fault settings: :class:`FaultConfig` and the ``--faults SPEC`` form that sets it.

The keys and their effects are listed in :mod:`..control.faults`, which injects what is set
here. Kept apart from the injector so the emulator's state (which stores a FaultConfig) and the
injector (which reads one) both import it and neither imports the other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SPEC_KEYS: dict[str, str] = {
    "429": "http_429_rate",
    "500": "http_500_rate",
    "drop": "drop_rate",
    "reset": "reset_rate",
    "reload-fail": "reload_fail_rate",
    "latency": "latency_ms",
    "slow-reload": "slow_reload_seconds",
    "retry-after": "retry_after_seconds",
    "seed": "seed",
    "only": "only",
    "spare": "spare",
}
"""``--faults`` keys (also accepted in the admin JSON) and the field each sets."""

_DURATION = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m)?$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0}
_ID_SEGMENT = re.compile(r"^(?=.*\d)[A-Za-z0-9_.-]{16,}$")


def _seconds(key: str, raw: object, *, bare_unit: str) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{key}: expected a duration such as 20ms or 5s, got {raw!r}")
    if isinstance(raw, int | float):
        return float(raw) * _UNIT_SECONDS[bare_unit]
    match = _DURATION.match(str(raw).strip().lower())
    if match is None:
        raise ValueError(f"{key}: expected a duration such as 20ms or 5s, got {raw!r}")
    return float(match["number"]) * _UNIT_SECONDS[match["unit"] or bare_unit]


def normalise(data: Mapping[str, Any]) -> dict[str, Any]:
    """Map SPEC keys (``"429"``, ``"latency": "20ms"``...) to FaultConfig fields; keep the rest."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = SPEC_KEYS.get(key, key)
        if key == "latency":
            value = round(_seconds(key, value, bare_unit="ms") * 1000)
        elif key == "slow-reload":
            value = _seconds(key, value, bare_unit="s")
        if name in out:
            raise ValueError(f"{key}: given twice")
        out[name] = value
    return out


def parse_spec(spec: str) -> dict[str, Any]:
    """``"429=0.1,drop=0.02,latency=20ms,seed=7"`` -> FaultConfig fields (ValueError if bad)."""
    raw: dict[str, Any] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or not value.strip():
            raise ValueError(f"{part!r}: expected key=value")
        if key not in SPEC_KEYS:
            raise ValueError(f"unknown fault {key!r} (known: {', '.join(SPEC_KEYS)})")
        if key in raw:
            raise ValueError(f"{key}: given twice")
        text = value.strip()
        if key in ("latency", "slow-reload"):
            raw[key] = text
        elif key in ("only", "spare"):
            raw[key] = [shape.strip() for shape in text.split(";") if shape.strip()]
        elif key in ("seed", "retry-after"):
            if not text.isdigit():
                raise ValueError(f"{key}: expected a whole number, got {text!r}")
            raw[key] = int(text)
        else:
            try:
                raw[key] = float(text)
            except ValueError:
                raise ValueError(f"{key}: expected a rate from 0 to 1, got {text!r}") from None
    return normalise(raw)


def path_shape(path: str) -> str:
    """The path with id-like segments (16+ characters with a digit) replaced by ``{id}``."""
    return "/".join("{id}" if _ID_SEGMENT.match(s) else s for s in path.split("/"))


class FaultConfig(BaseModel):
    """Fault injection settings (see :mod:`..control.faults`). Unknown keys are kept but ignored.

    Also accepts the ``--faults`` keys (``"429"``, ``"reload-fail"``, ``"latency": "20ms"``...).
    The request-level rates (reset, 429, 500, drop) are exclusive and add up to at most 1.
    """

    model_config = ConfigDict(extra="allow")

    reload_fail_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    reload_fail_apps: list[str] = Field(default_factory=list)
    reload_fail_times: dict[str, int] = Field(default_factory=dict)
    """For tests: the next N reloads of each app id fail (engine failures), later ones run."""
    latency_ms: int = Field(default=0, ge=0, le=60_000)
    http_429_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    http_500_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    drop_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    reset_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    slow_reload_seconds: float = Field(default=0.0, ge=0.0, le=3600.0)
    retry_after_seconds: int = Field(default=1, ge=0, le=3600)
    seed: int = 0
    once: dict[str, Literal["reset", "429", "500-before", "500-after", "drop"]] = Field(
        default_factory=dict
    )
    """Targeted faults for tests: ``{"POST /api/v1/spaces": "drop"}`` faults the first request
    of that method and path shape (ids as ``{id}``), once."""
    only: list[str] = Field(default_factory=list)
    """Request shapes (``"POST /api/v1/tenants"``) the reset/429/500/drop rates apply to; empty:
    all. A shape not written ``METHOD /path`` is rejected."""
    spare: list[str] = Field(default_factory=list)
    """Request shapes the reset/429/500/drop rates never apply to (checked after ``only``)."""

    @field_validator("only", "spare")
    @classmethod
    def _shapes(cls, value: list[str]) -> list[str]:
        out = []
        for shape in value:
            method, _, path = shape.strip().partition(" ")
            if not method.isalpha() or not path.startswith("/"):
                raise ValueError(f"{shape!r} is not 'METHOD /path' (ids written {{id}})")
            out.append(f"{method.upper()} {path_shape(path.strip())}")
        return out

    @model_validator(mode="before")
    @classmethod
    def _spec_keys(cls, data: Any) -> Any:
        return normalise(data) if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _rates_add_up(self) -> FaultConfig:
        total = self.reset_rate + self.http_429_rate + self.http_500_rate + self.drop_rate
        if total > 1.0 + 1e-9:
            raise ValueError(f"reset + 429 + 500 + drop rates add up to {total:g}, more than 1")
        return self


def validate_spec(spec: str) -> FaultConfig:
    """The FaultConfig of a ``--faults`` SPEC; ValueError (pydantic's included) when invalid."""
    return FaultConfig.model_validate(parse_spec(spec))
