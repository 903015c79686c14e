"""Qlik's own Python SDK (``qlik-sdk``) runs the deploy flow unchanged against ``emulator serve``.

The SDK is pointed at ``http://127.0.0.1:PORT``: its requests carry ``Host: 127.0.0.1:PORT``,
which the emulator routes to the default tenant (the seeded source tenant). Nothing is installed
at test time; without the package the test is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.emulator.served import served_emulator

qlik_sdk = pytest.importorskip(
    "qlik_sdk",
    reason="qlik-sdk (Qlik's Python SDK) is not installed; it is in the dev extra: "
    "pip install -e '.[dev]'",
)

CLIENT = {
    "QLIKRECONCILE_EMULATOR_CLIENT_ID": "sdk-client",
    "QLIKRECONCILE_EMULATOR_CLIENT_SECRET": "sdk-secret",
}

pytestmark = [
    pytest.mark.http,
    # The SDK flags some parameters (SCIM `filter`) as experimental; that is its business.
    pytest.mark.filterwarnings("ignore:.*is experimental:UserWarning"),
]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with served_emulator(env=CLIENT) as p:
        yield p


def _qlik(port: int, secret: str = "sdk-secret") -> Any:
    config = qlik_sdk.Config(
        host=f"http://127.0.0.1:{port}",
        auth_type=qlik_sdk.AuthType.OAuth2,
        client_id="sdk-client",
        client_secret=secret,
    )
    return qlik_sdk.Qlik(config=config)


def test_bad_credentials_fail_authentication(port: int) -> None:
    q = _qlik(port, secret="wrong")
    with pytest.raises(qlik_sdk.rest.AuthenticationException):
        q.auth.authorize()


def test_deploy_flow_as_in_qliks_tutorial(port: int) -> None:
    from qlik_sdk.apis.Apps import PublishApp, RepublishApp
    from qlik_sdk.apis.Reloads import ReloadRequest
    from qlik_sdk.apis.Spaces import SpaceCreate

    q = _qlik(port)
    token = q.auth.authorize()
    assert token["token_type"] == "bearer"
    assert token["expires_at"]

    me = q.users.get_me()  # 301 to /api/v1/users/{id}, followed by requests
    tenant = q.tenants.get(me.tenantId)
    assert tenant.hostnames == ["vendor-source.eu.qlikcloud.com"]
    assert q.licenses.get_overview().licenseKey

    templates = q.spaces.get_spaces(filter='name eq "Templates"')
    assert [s.name for s in templates] == ["Templates"]
    source_items = q.items.get_items(resourceType="app", spaceId=templates[0].id)
    source = q.apps.get(source_items[0].resourceId)
    assert source.attributes.spaceId == templates[0].id
    # qlik-sdk 0.17's AssignmentCreate cannot serialise its own RoleType enums; raw call instead.
    assignment = q.rest(
        path=f"/spaces/{templates[0].id}/assignments",
        method="POST",
        data={"type": "user", "assigneeId": me.id, "roles": ["producer"]},
    )
    assert assignment.status_code == 201

    location = source.export()
    qvf = q.rest(path=location).content
    assert qvf

    shared = q.spaces.create(SpaceCreate(name="acme-shared", type="shared"))
    managed = q.spaces.create(SpaceCreate(name="acme-managed", type="managed"))
    imported = q.apps.import_app(data=qvf, spaceId=shared.id, mode="autoreplace")
    assert imported.attributes.spaceId == shared.id

    reload = q.reloads.create(ReloadRequest(appId=imported.attributes.id))
    assert reload.status == "QUEUED"

    published = imported.publish(PublishApp(spaceId=managed.id))
    assert published.attributes.originAppId == imported.attributes.id
    items = q.items.get_items(resourceType="app", spaceId=managed.id)
    match = [
        i
        for i in items.pagination
        if i.resourceAttributes.get("originAppId") == imported.attributes.id
    ]
    assert [i.resourceId for i in match] == [published.attributes.id]
    republished = imported.set_publish(RepublishApp(targetId=published.attributes.id))
    assert republished.attributes.id == published.attributes.id


def test_pagination_follows_links(port: int) -> None:
    from qlik_sdk.apis.Spaces import SpaceCreate

    q = _qlik(port)
    q.auth.authorize()
    for n in range(12):
        q.spaces.create(SpaceCreate(name=f"page-{n}", type="shared"))
    listed = q.spaces.get_spaces(name="page-", limit=5)
    assert len(listed) == 5
    assert len(list(listed.pagination)) == 12
