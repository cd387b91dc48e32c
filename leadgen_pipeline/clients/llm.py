"""An OpenAI-compatible chat-completions client with JSON-schema output: transport only.

`POST {base}/v1/chat/completions` with `response_format: {type: json_schema, strict}`
(docs/vendor-formats.md §6), through the project's one retry policy (`clients/http.py`:
429 and 5xx retried with backoff and `Retry-After`, keys scrubbed from every message).
The project's own plumbing rather than the `openai` package: the same retries, key
scrubbing and loopback testing as every other provider, one dependency fewer, and the
failure modes below kept visible rather than raised as SDK exceptions.

An answer is a `Completion`: its parsed JSON, or why there is none — the model refused
(`message.refusal`), the output was cut (`finish_reason == "length"`, truncated JSON), or
the content is not JSON. Tokens are counted either way, since the provider bills them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from leadgen_pipeline.clients.http import PooledClient, ProviderError, RetryPolicy
from leadgen_pipeline.clients.http import send_with_retries as _send


@dataclass(frozen=True)
class Completion:
    """One paid answer: the parsed object, or the failure; tokens and cost as billed."""

    content: dict[str, Any] | None
    failure: str | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    model: str


@dataclass(frozen=True)
class Pricing:
    """USD per million tokens, for servers that do not report `usage.cost`."""

    input_per_million: float = 0.15
    output_per_million: float = 0.60

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million
        ) / 1e6


class LlmClient(PooledClient):
    """Chat completions with structured output against any OpenAI-compatible server."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout_s: float = 60.0,
        policy: RetryPolicy | None = None,
        pricing: Pricing | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self._key = api_key
        self._policy = policy or RetryPolicy()
        self._pricing = pricing or Pricing()
        self._sleep = sleep
        base = base_url.rstrip("/")
        base = base[: -len("/v1")] if base.endswith("/v1") else base
        self._http = httpx.Client(
            base_url=base,
            timeout=timeout_s,
            headers={"authorization": f"Bearer {api_key}", "content-type": "application/json"},
        )

    def complete_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], name: str = "answer"
    ) -> Completion:
        """Ask once (with the retry policy); raises `ProviderError` only when no answer came
        (the key is refused, or the server failed every attempt)."""
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        }
        request = self._http.build_request("POST", "/v1/chat/completions", json=body)
        response = _send(
            self._http, request, self._policy, self._sleep, provider="llm", secrets=[self._key]
        )
        try:
            payload = response.json()
            choice = payload["choices"][0]
            message = choice.get("message") or {}
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise ProviderError(
                "llm", f"answer without choices ({type(error).__name__})", body=response.text
            ) from None
        usage = payload.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        reported = usage.get("cost")
        cost = (
            float(reported)
            if isinstance(reported, int | float)
            else self._pricing.cost(prompt_tokens, completion_tokens)
        )
        failure, content = None, None
        if message.get("refusal"):
            failure = f"refused: {str(message['refusal'])[:200]}"
        elif choice.get("finish_reason") == "length":
            failure = "truncated: finish_reason length (the JSON is incomplete)"
        else:
            try:
                parsed = json.loads(message.get("content") or "")
            except ValueError:
                failure = "content is not JSON"
            else:
                if isinstance(parsed, dict):
                    content = parsed
                else:
                    failure = "content is not a JSON object"
        return Completion(
            content,
            failure,
            prompt_tokens,
            completion_tokens,
            cost,
            str(payload.get("model") or self.model),
        )
