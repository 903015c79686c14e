"""qlikreconcile: a GitOps reconciler for Qlik Cloud OEM fleets.

Desired state lives in git (`desired/`); `plan` reads the actual tenants over Qlik Cloud's REST
APIs and shows the operations needed; `apply` runs them in dependency order until a second plan
is empty. See `docs/` and the README.
"""

from __future__ import annotations

__version__ = "0.1.0"
