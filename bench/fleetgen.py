"""Generated fleets for the benchmarks: N customer tenants from the example fleet's templates."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TENANT = """tenant: {{name: {name}, region: {region}}}
variables:
  customer_id: {number}
  where: "WHERE customer_id = {{{{ customer_id }}}}"
spaces:
  - {{name: {title} build, type: shared}}
  - name: {title} analytics
    type: managed
    members: [{{group: {name}-viewers, roles: [consumer]}}]
apps:
  - {{template: sales, space: {title} build, publish_to: {title} analytics}}
  - {{template: inventory, space: {title} build, publish_to: {title} analytics}}
"""


def write_fleet(desired: Path, tenants: int, *, prefix: str = "customer", bump: int = 0) -> None:
    """N tenants (half eu, half us), each with both templates built and published.

    ``bump`` shifts every customer id, which changes every tenant's load scripts.
    """
    if not desired.exists():
        shutil.copytree(REPO / "desired", desired)
    for old in (desired / "tenants").iterdir():
        old.unlink()
    for n in range(tenants):
        name = f"{prefix}{n:05d}"
        text = TENANT.format(
            name=name,
            region="eu" if n % 2 else "us",
            number=1000 + n + bump,
            title=name.capitalize(),
        )
        (desired / "tenants" / f"{name}.yaml").write_text(text, encoding="utf-8")
