"""Host-based routing: which Qlik Cloud host a request addresses.

``register.REGION.qlikcloud.com`` is a region's register host (tenant creation);
``NAME.REGION.qlikcloud.com`` is a tenant host when some tenant owns that hostname. A Host that
is not a Qlik host name at all (an IP, ``localhost``, a container name, with or without port)
stands for the emulator's default host (:meth:`EmulatorStore.host_info`), so a client pointed at
``http://127.0.0.1:PORT`` talks to the seeded source tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

QLIK_DOMAIN = "qlikcloud.com"
REGIONS: tuple[str, ...] = ("us", "eu", "de", "uk", "fr", "jp", "sg", "ap", "in", "il", "ae")

# Region code -> AWS datacenter (qlik-cloud-api.md §1.3; keyed on the code, not the label).
DATACENTERS: dict[str, str] = {
    "us": "us-east-1",
    "eu": "eu-west-1",
    "de": "eu-central-1",
    "uk": "eu-west-2",
    "fr": "eu-west-3",
    "jp": "ap-northeast-1",
    "sg": "ap-southeast-1",
    "ap": "ap-southeast-2",
    "in": "ap-south-1",
    "il": "il-central-1",
    "ae": "me-central-1",
}


@dataclass(frozen=True)
class HostInfo:
    """The parsed Host header. ``name`` is the hostname without port, lower-cased."""

    name: str
    kind: Literal["register", "tenant", "other"]
    region: str | None
    label: str | None


def normalise(host: str) -> str:
    return host.strip().lower().split(":", 1)[0]


def is_qlik_name(name: str) -> bool:
    """True for ``qlikcloud.com`` and its subdomains; IPs, ``localhost`` and others are not."""
    return name == QLIK_DOMAIN or name.endswith("." + QLIK_DOMAIN)


def parse_host(host_header: str) -> HostInfo:
    name = normalise(host_header)
    parts = name.split(".")
    if len(parts) == 4 and ".".join(parts[2:]) == QLIK_DOMAIN and parts[1] in REGIONS:
        if parts[0] == "register":
            return HostInfo(name, "register", parts[1], None)
        return HostInfo(name, "tenant", parts[1], parts[0])
    return HostInfo(name, "other", None, None)


def tenant_hostname(label: str, region: str) -> str:
    return f"{label}.{region}.{QLIK_DOMAIN}"
