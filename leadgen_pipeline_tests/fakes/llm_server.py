"""A fake OpenAI-compatible chat-completions server on loopback (docs/vendor-formats.md §6).

`POST /v1/chat/completions` answers with the scripted claims of the account named in the
prompt (`Website: https://<domain>/`), as `message.content` JSON, with `usage` tokens.
An account can be scripted to refuse (`message.refusal`), to be cut off
(`finish_reason: length` with truncated JSON), or to fail with 429/5xx first (`Fault`s).
`Authorization: Bearer <key>` is checked (401 otherwise). `latency_s` delays every answer;
`fault_rate` turns that share of calls (chosen by a seeded draw) into a 500 or 429.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Mapping
from typing import Any

from leadgen_pipeline_tests.fakes import FakeHTTPServer, RecordedRequest, Reply

PATH = "/v1/chat/completions"
_DOMAIN = re.compile(r"Website: https://([^/\s]+)/")


class FakeLlmServer(FakeHTTPServer):
    """Answers per account domain: a list of claims, or `"refuse"` / `"truncate"`."""

    def __init__(
        self,
        answers: Mapping[str, list[dict[str, Any]] | str],
        *,
        api_key: str = "sk-test-key",
        latency_s: float = 0.0,
        fault_rate: float = 0.0,
        seed: int = 7,
        block_after: int | None = None,
    ) -> None:
        super().__init__()
        self.answers = dict(answers)
        self.api_key = api_key
        self.latency_s = latency_s
        self.fault_rate = fault_rate
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self.block_after = block_after  # answers after this many never come (a kill test)
        self.answered = 0
        self.release = threading.Event()

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        if request.path != PATH or request.method != "POST":
            return Reply(404, {"error": {"message": "not found"}})
        if raw_headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply(401, {"error": {"message": "Incorrect API key provided"}})
        with self._rng_lock:
            draw = self._rng.random()
            self.answered += 1
            seen = self.answered
        if self.block_after is not None and seen > self.block_after:
            self.release.wait(30)
        if draw < self.fault_rate:
            status = 429 if draw < self.fault_rate / 2 else 503
            return Reply(
                status,
                {"error": {"message": "scripted"}},
                {"retry-after": "0"},
                delay_s=self.latency_s,
            )
        prompt = " ".join(m.get("content", "") for m in (request.body or {}).get("messages", []))
        found = _DOMAIN.search(prompt)
        script = self.answers.get(found.group(1) if found else "", [])
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish = "stop"
        if script == "refuse":
            message["refusal"] = "I can't help with researching this company."
        elif script == "truncate":
            message["content"] = '{"claims": [{"signal_type": "funding_round", "claim": "Rai'
            finish = "length"
        else:
            message["content"] = json.dumps({"claims": script})
        body = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1776700749,
            "model": (request.body or {}).get("model", "fake-model"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
        }
        return Reply(200, body, {"content-type": "application/json"}, delay_s=self.latency_s)
