"""Client secrets and access tokens never reach exception text, reprs or log records."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from pydantic import SecretStr

from qlikreconcile.emulator import SOURCE_HOST
from qlikreconcile.errors import ApiError, AuthError, NotFoundError, QlikReconcileError
from qlikreconcile.qlik import Credentials, QlikClient, QlikSession, RedactingFilter, redact

if TYPE_CHECKING:
    from conftest import Emulator


def _texts(exc: BaseException, caplog: pytest.LogCaptureFixture) -> list[str]:
    records = [r.getMessage() for r in caplog.records]
    return [str(exc), repr(exc), *records, caplog.text]


def test_credentials_repr_hides_the_secret() -> None:
    creds = Credentials(client_id="abc", client_secret=SecretStr("hide-me-please"))
    assert "hide-me-please" not in repr(creds)
    assert "hide-me-please" not in str(creds)


async def test_wrong_secret_never_appears(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "wrong-and-secret-b41f"
    async with emulator.session(secret=secret) as session:
        with pytest.raises(AuthError) as caught:
            await session.client(SOURCE_HOST).get_json("/api/v1/spaces")
        assert secret not in repr(session)
    for text in _texts(caught.value, caplog):
        assert secret not in text


async def test_access_token_and_secret_never_appear_in_failures(
    emulator: Emulator, session: QlikSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything the client and httpx log, no redaction filter
    source = session.client(SOURCE_HOST)
    await source.get_json("/api/v1/spaces")
    token = session.tokens.get(SOURCE_HOST, emulator.config.client_id)
    assert token is not None
    assert token.value not in repr(token)

    failures: list[QlikReconcileError] = []
    for call in (
        source.get_json("/api/v1/spaces/nope"),
        source.post_json("/api/v1/spaces", {"name": "x", "type": "bogus"}),
        session.client("nobody.eu.qlikcloud.com").get_json("/api/v1/spaces"),
    ):
        with pytest.raises(ApiError) as caught:
            await call
        failures.append(caught.value)

    assert isinstance(failures[0], NotFoundError)
    secret = emulator.config.client_secret
    for exc in failures:
        for text in _texts(exc, caplog):
            assert token.value not in text
            assert secret not in text


async def test_request_bodies_stay_out_of_exception_text(source: QlikClient) -> None:
    password = "db-password-93ac"
    body = {"qName": "x", "qPassword": password}
    with pytest.raises(ApiError) as caught:
        await source.post_json("/api/v1/data-connections", body)
    assert password not in str(caught.value)
    assert password not in repr(caught.value)


async def test_tokens_the_client_holds_are_masked_by_the_filter(
    emulator: Emulator, session: QlikSession, caplog: pytest.LogCaptureFixture
) -> None:
    await session.client(SOURCE_HOST).get_json("/api/v1/spaces")
    token = session.tokens.get(SOURCE_HOST, emulator.config.client_id)
    assert token is not None
    caplog.handler.addFilter(RedactingFilter())
    logger = logging.getLogger("qlikreconcile.test")
    logger.warning("careless: %s / %s", token.value, emulator.config.client_secret)
    assert token.value not in caplog.text
    assert emulator.config.client_secret not in caplog.text
    assert redact.MASK in caplog.text
