"""API tokens never reach spans, logs, events or metrics."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from urllib.parse import quote

import pytest
from prometheus_client import generate_latest

import qobserve
from qobserve.redact import MASK, redact
from qobserve.testing import capture

CANARY = "canaryTOKEN0123456789abcdefXYZ"


def test_canary_token_appears_nowhere(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", CANARY)

    @qobserve.experiment("login")
    def login() -> None:
        raise PermissionError(f"401 Unauthorized for token {CANARY}")

    caplog.set_level(logging.DEBUG)
    with capture() as cap:
        with pytest.raises(PermissionError):
            login()
        cap.telemetry.internal_error("ibm", RuntimeError(f"bad apikey={CANARY}"))
        runs = cap.experiment_runs()
        store_bytes = Path(cap.telemetry.store.path).read_bytes()  # type: ignore[union-attr]
        spans = cap.spans()
        exposition = generate_latest(cap.registry).decode()
    assert spans and runs
    span_text = repr(
        [
            (
                s.name,
                dict(s.attributes or {}),
                [(e.name, dict(e.attributes or {})) for e in s.events],
            )
            for s in spans
        ]
    )
    assert "PermissionError" in span_text and MASK in span_text  # the error is still told
    assert CANARY not in span_text
    assert CANARY not in repr(runs)
    assert CANARY.encode() not in store_bytes
    assert CANARY not in exposition
    assert CANARY not in caplog.text and MASK in caplog.text


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer abcdefgh12345678",
        'config {"token": "abcdefgh12345678"}',
        "https://api/?apikey=abcdefgh12345678&x=1",
        "{'token': 'abcdefgh12345678'}",  # a dict's repr
        "token: 'abcdefgh12345678'",
        "apikey abcdefgh12345678 was refused",
        '"{\\"api_key\\": \\"abcdefgh12345678\\"}"',  # JSON inside a JSON string
        "Authorization: Basic abcdefgh12345678",
    ],
)
def test_token_shaped_values_are_masked_without_knowing_them(text: str) -> None:
    assert "abcdefgh12345678" not in redact(text, secrets=[])


@pytest.mark.parametrize("text", ["token expired", "password authentication failed"])
def test_words_after_a_key_word_are_kept(text: str) -> None:
    assert redact(text, secrets=[]) == text


def test_an_environment_secret_is_masked_however_it_is_spelled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "s3cr/et+va=l ue"
    monkeypatch.setenv("MY_SERVICE_TOKEN", secret)
    text = redact(f"a {secret} b {quote(secret, safe='')} c {secret!r} d {json.dumps(secret)}")
    assert text == "a [REDACTED] b [REDACTED] c '[REDACTED]' d \"[REDACTED]\""
