"""Fake email-verification APIs on loopback that speak the documented shapes
(docs/vendor-formats.md §5c-5e).

- `FakeNeverBounce`: `GET /v4/single/check?key=&email=` — `{"status": "success", "result":
  ..., "flags": [...]}`; errors inside a 200 (`auth_failure`, `throttle_triggered`, ...).
- `FakeZeroBounce`: `GET /v2/validate?api_key=&email=` — `{"address", "status",
  "sub_status", ...}`; a bad key answers 200 `{"error": "Invalid API Key or ..."}`; a
  greylisted address answers only `{"Message": ...}`; the `@example.com` sandbox is free.
- `FakeMillionVerifier`: `GET /api/v3/?api=&email=` — `{"result", "resultcode", ...}`; a bad
  key answers 200 `{"result": "error", "resultcode": 4, "error": "Apikey not found"}`.

The verdict is a pure function of the address: the local part up to the first dot names a
kind (`KINDS`: `valid.7@…` is valid, `bad@…` invalid, `trap@…` a spam trap, ...), any other
address gets a kind from a hash. Each fake counts what it charged per address
(`paid_checks`, following the provider's documented credit rules) so a test can assert
nothing was paid twice, and records every arrival time and the peak of concurrent requests.

Each fake also answers its provider's credit-balance endpoint (NeverBounce
`/v4/account/info`, ZeroBounce `/v2/getcredits`, MillionVerifier `/api/v3/credits`) from
`balance`, which every charge lowers; `unbilled_charges(n)` lowers it without a verdict, a
silent charge for a reconciliation to find. `hold()` keeps every verification request
waiting inside the server (in flight, not yet answered or charged) until `release()`, so a
test can kill a client with a known number of calls in flight; a held request is still
answered and charged on release, as a provider finishes what it received.

Knobs: `latency_s` (each answer waits this long, counted as in flight), `rate_limit` (at most
that many accepted requests in any one-second window of `clock`; beyond it NeverBounce
answers `throttle_triggered` inside a 200, ZeroBounce 429, MillionVerifier 429 with
Retry-After), `revoke_after` (the key stops working after that many verdicts: an auth
failure mid-run). Scripted faults (429, 500, hangs, cut-off JSON, errors inside a 200) come
from the base class's queue; the `*_fault` helpers build the provider-shaped ones.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from leadgen_pipeline_tests.fakes import FakeHTTPServer, Fault, RecordedRequest, Reply

KINDS = (
    "valid",
    "catchall",
    "unknown",
    "bad",
    "disposable",
    "trap",
    "abuse",
    "role",
    "toxic",
    "possibletrap",
    "suppressed",
    "greylisted",
    "weird",
)
# Kinds a hash hands to addresses that name none.
HASHED_KINDS = ("valid", "valid", "valid", "catchall", "bad", "unknown", "disposable")


def kind_of(email: str) -> str:
    """The kind of verdict a fake gives `email` (see the module docstring)."""
    local = email.partition("@")[0]
    head = local.split(".", 1)[0]
    if head in KINDS:
        return head
    digest = hashlib.sha256(email.encode()).digest()
    return HASHED_KINDS[digest[0] % len(HASHED_KINDS)]


def max_per_window(times: Sequence[float], window_s: float = 1.0) -> int:
    """The most of `times` that fall in any half-open window `[t, t + window_s)`."""
    ordered = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(ordered):
        while ordered[start] <= t - window_s:
            start += 1
        best = max(best, end - start + 1)
    return best


def truncated_fault(body: str, *, path: str | None = None) -> Fault:
    """A 200 whose JSON body is cut off."""
    return Fault(Reply(200, body, {"content-type": "application/json"}), path)


class FakeVerifierServer(FakeHTTPServer):
    """Shared behaviour of the verifier fakes: key check, rate limit, latency, accounting."""

    path: ClassVar[str] = "/"
    balance_path: ClassVar[str] = "/balance"
    key_param: ClassVar[str] = "key"

    def __init__(
        self,
        *,
        api_key: str,
        latency_s: float = 0.0,
        rate_limit: int | None = None,
        revoke_after: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        balance: int = 100_000,
    ) -> None:
        super().__init__(clock=clock)
        self.api_key = api_key
        self.balance = balance
        self.balance_reads = 0
        self._released = threading.Event()
        self._released.set()
        self.latency_s = latency_s
        self.rate_limit = rate_limit
        self.revoke_after = revoke_after
        self.paid_checks: Counter[str] = Counter()
        self.answered: Counter[str] = Counter()
        self.arrivals: list[float] = []
        self.throttled = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._state = threading.Lock()
        self._accepted: deque[float] = deque()
        self._verdicts_served = 0

    # --- provider hooks ----------------------------------------------------------------

    def auth_failure(self, key: str, email: str) -> Reply:
        raise NotImplementedError

    def throttle(self) -> Reply:
        raise NotImplementedError

    def verdict(self, email: str, kind: str) -> tuple[Any, bool]:
        """The answer body for `email` of `kind`, and whether the provider charges for it."""
        raise NotImplementedError

    def balance_body(self, balance: int) -> Any:
        """The balance endpoint's answer."""
        raise NotImplementedError

    # --- scripting ---------------------------------------------------------------------

    def hold(self) -> None:
        """Keep verification requests waiting inside the server until `release()`."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def unbilled_charges(self, credits: int) -> None:
        """Take `credits` off the balance with no verdict to show for it."""
        with self._state:
            self.balance -= credits

    # --- accounting --------------------------------------------------------------------

    @property
    def total_paid(self) -> int:
        with self._state:
            return sum(self.paid_checks.values())

    def arrival_times(self) -> list[float]:
        with self._state:
            return list(self.arrivals)

    # --- HTTP --------------------------------------------------------------------------

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        if request.path == self.balance_path:
            return self._balance(request)
        now = self.clock()
        with self._state:
            self.arrivals.append(now)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            reply = self._gate(request, now)
            self._released.wait()
            if self.latency_s:
                time.sleep(self.latency_s)  # the provider's SMTP check, counted as in flight
            return reply if reply is not None else self._answer(request)
        finally:
            with self._state:
                self.in_flight -= 1

    def _gate(self, request: RecordedRequest, now: float) -> Reply | None:
        """A refusal (wrong path, bad or revoked key, rate limit), or None to answer."""
        if request.method != "GET" or request.path != self.path:
            return Reply(404, {"error": f"no route {request.method} {request.path}"})
        key = (request.query.get(self.key_param) or [""])[0]
        email = (request.query.get("email") or [""])[0]
        with self._state:
            revoked = self.revoke_after is not None and self._verdicts_served >= self.revoke_after
            if key != self.api_key or revoked:
                return self.auth_failure(key, email)
            if self.rate_limit is not None:
                while self._accepted and self._accepted[0] <= now - 1.0:
                    self._accepted.popleft()
                if len(self._accepted) >= self.rate_limit:
                    self.throttled += 1
                    return self.throttle()
                self._accepted.append(now)
            self._verdicts_served += 1
        return None

    def _balance(self, request: RecordedRequest) -> Reply:
        key = (request.query.get(self.key_param) or [""])[0]
        if key != self.api_key:
            return self.auth_failure(key, "")
        with self._state:
            self.balance_reads += 1
            return Reply(200, self.balance_body(self.balance))

    def _answer(self, request: RecordedRequest) -> Reply:
        email = (request.query.get("email") or [""])[0]
        if not email:
            return Reply(400, {"error": "missing email"})
        body, charged = self.verdict(email, kind_of(email))
        with self._state:
            self.answered[email] += 1
            if charged:
                self.paid_checks[email] += 1
                self.balance -= 1
        return Reply(200, body)


class FakeNeverBounce(FakeVerifierServer):
    """NeverBounce v4 single check. Every `success` answer is charged one credit."""

    path = "/v4/single/check"
    balance_path = "/v4/account/info"
    key_param = "key"
    RESULTS: ClassVar[dict[str, str]] = {
        "valid": "valid",
        "catchall": "catchall",
        "unknown": "unknown",
        "bad": "invalid",
        "disposable": "disposable",
        "trap": "invalid",
        "abuse": "invalid",
        "role": "valid",
        "toxic": "invalid",
        "possibletrap": "invalid",
        "suppressed": "invalid",
        "greylisted": "unknown",
        "weird": "mystery",
    }

    @staticmethod
    def status_body(status: str, message: str = "") -> dict[str, Any]:
        return {"status": status, "message": message, "execution_time": 4}

    @classmethod
    def status_fault(cls, status: str, message: str = "") -> Fault:
        """A 200 carrying an error `status` (throttle_triggered, temp_unavail, ...)."""
        return Fault(Reply(200, cls.status_body(status, message)), cls.path)

    def auth_failure(self, key: str, email: str) -> Reply:
        # The rejected key is quoted back, so a test proves the client scrubs what it quotes.
        return Reply(200, self.status_body("auth_failure", f"Invalid API key '{key}'"))

    def throttle(self) -> Reply:
        return Reply(200, self.status_body("throttle_triggered", "Too many requests"))

    def balance_body(self, balance: int) -> Any:
        # the official .NET SDK's AccountInfoResponseModel
        return {
            "status": "success",
            "billing_type": "default",
            "credits_info": {
                "paid_credits_used": sum(self.paid_checks.values()),
                "free_credits_used": 0,
                "paid_credits_remaining": balance,
                "free_credits_remaining": 0,
            },
            "job_counts": {"completed": 0, "under_review": 0, "queued": 0, "processing": 0},
            "execution_time": 12,
        }

    def verdict(self, email: str, kind: str) -> tuple[Any, bool]:
        flags = ["has_dns", "has_dns_mx"]
        if kind == "role":
            flags.append("role_account")
        body = {
            "status": "success",
            "result": self.RESULTS[kind],
            "flags": flags,
            "suggested_correction": "",
            "retry_token": "",
            "execution_time": 399,
        }
        return body, True


# ZeroBounce's sandbox answers (status, sub_status); these cost nothing.
ZEROBOUNCE_SANDBOX: dict[str, tuple[str, str]] = {
    "valid@example.com": ("valid", ""),
    "invalid@example.com": ("invalid", "mailbox_not_found"),
    "catch_all@example.com": ("catch-all", ""),
    "unknown@example.com": ("unknown", "mail_server_temporary_error"),
    "spamtrap@example.com": ("spamtrap", ""),
    "abuse@example.com": ("abuse", ""),
    "donotmail@example.com": ("do_not_mail", "role_based"),
    "disposable@example.com": ("do_not_mail", "disposable"),
    "toxic@example.com": ("do_not_mail", "toxic"),
    "greylisted@example.com": ("unknown", "greylisted"),
}


class FakeZeroBounce(FakeVerifierServer):
    """ZeroBounce v2 validate. Charges every status but `unknown`; the sandbox is free."""

    path = "/v2/validate"
    balance_path = "/v2/getcredits"
    key_param = "api_key"
    STATUSES: ClassVar[dict[str, tuple[str, str]]] = {
        "valid": ("valid", ""),
        "catchall": ("catch-all", ""),
        "unknown": ("unknown", "mail_server_did_not_respond"),
        "bad": ("invalid", "mailbox_not_found"),
        "disposable": ("do_not_mail", "disposable"),
        "trap": ("spamtrap", ""),
        "abuse": ("abuse", ""),
        "role": ("do_not_mail", "role_based"),
        "toxic": ("do_not_mail", "toxic"),
        "possibletrap": ("do_not_mail", "possible_trap"),
        "suppressed": ("do_not_mail", "global_suppression"),
        "weird": ("mystery", ""),
    }
    GREYLIST_MESSAGE = "The mail server is greylisting this request; try again later."
    AUTH_MESSAGE = "Invalid API Key or your account ran out of credits"

    @classmethod
    def error_fault(cls, message: str) -> Fault:
        """A 200 carrying only `error`."""
        return Fault(Reply(200, {"error": message}), cls.path)

    def auth_failure(self, key: str, email: str) -> Reply:
        return Reply(200, {"error": self.AUTH_MESSAGE})

    def throttle(self) -> Reply:
        return Reply(429, {"error": "Too many requests"})  # ZeroBounce sends no Retry-After

    def balance_body(self, balance: int) -> Any:
        return {"Credits": str(balance)}  # a number inside a string, as ZeroBounce sends it

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._state:
            spent = self.balance <= 0
        if spent:  # an empty account is refused with the bad-key message
            return Reply(200, {"error": self.AUTH_MESSAGE})
        return super()._answer(request)

    def _balance(self, request: RecordedRequest) -> Reply:
        key = (request.query.get(self.key_param) or [""])[0]
        if key != self.api_key:
            return Reply(200, {"Credits": "-1"})  # how ZeroBounce answers an unknown key
        return super()._balance(request)

    def verdict(self, email: str, kind: str) -> tuple[Any, bool]:
        if email in ZEROBOUNCE_SANDBOX:
            status, sub_status = ZEROBOUNCE_SANDBOX[email]
            return self._body(email, status, sub_status), False
        if kind == "greylisted":
            return {"Message": self.GREYLIST_MESSAGE}, False
        status, sub_status = self.STATUSES[kind]
        return self._body(email, status, sub_status), status != "unknown"

    @staticmethod
    def _body(email: str, status: str, sub_status: str) -> dict[str, Any]:
        account, _, domain = email.partition("@")
        return {
            "address": email,
            "status": status,
            "sub_status": sub_status,
            "free_email": False,
            "did_you_mean": None,
            "account": account,
            "domain": domain,
            "domain_age_days": "8426",  # strings in live answers
            "smtp_provider": "example",
            "mx_found": "true",
            "mx_record": f"mx.{domain}",
            "firstname": None,
            "lastname": None,
            "gender": None,
            "country": None,
            "region": None,
            "city": None,
            "zipcode": None,
            "processed_at": "2026-01-05 10:00:00.000",
        }


class FakeMillionVerifier(FakeVerifierServer):
    """MillionVerifier v3. Charges ok, invalid and disposable; catch_all and unknown are free,
    except on an account flagged for misuse (`charges_risky=True`), which pays for them too."""

    path = "/api/v3/"
    balance_path = "/api/v3/credits"
    key_param = "api"
    RESULTS: ClassVar[dict[str, tuple[str, int, str]]] = {
        "valid": ("ok", 1, ""),
        "catchall": ("catch_all", 2, ""),
        "unknown": ("unknown", 3, ""),
        "bad": ("invalid", 6, "mailbox_not_found"),
        "disposable": ("disposable", 5, ""),
        "trap": ("invalid", 6, ""),
        "abuse": ("invalid", 6, ""),
        "role": ("ok", 1, ""),
        "toxic": ("invalid", 6, ""),
        "possibletrap": ("invalid", 6, ""),
        "suppressed": ("invalid", 6, ""),
        "greylisted": ("unknown", 3, ""),
        "weird": ("mystery", 9, ""),
    }
    CHARGED: ClassVar[frozenset[str]] = frozenset({"ok", "invalid", "disposable"})

    def __init__(
        self, *, credits: int | None = None, charges_risky: bool = False, **kwargs: Any
    ) -> None:
        if credits is not None:  # the old name of `balance`
            kwargs["balance"] = credits
        super().__init__(**kwargs)
        self.charges_risky = charges_risky

    @staticmethod
    def error_body(email: str, error: str, credits: int = 0) -> dict[str, Any]:
        return {
            "email": email,
            "quality": "",
            "result": "error",
            "resultcode": 4,
            "subresult": "",
            "free": False,
            "role": False,
            "didyoumean": "",
            "credits": credits,
            "executiontime": 0,
            "error": error,
            "livemode": True,
        }

    @classmethod
    def error_fault(cls, error: str) -> Fault:
        """A 200 carrying `result: error` with `error` (e.g. "Insufficient credits")."""
        return Fault(Reply(200, cls.error_body("", error)), cls.path)

    def auth_failure(self, key: str, email: str) -> Reply:
        return Reply(200, self.error_body(email, "Apikey not found"))

    def throttle(self) -> Reply:
        return Reply(429, {"error": "Too many requests"}, {"Retry-After": "1"})

    def balance_body(self, balance: int) -> Any:
        return {"credits": balance, "bulk_credits": 0, "renewing_credits": 0, "plan": 1}

    def _balance(self, request: RecordedRequest) -> Reply:
        key = (request.query.get(self.key_param) or [""])[0]
        if key != self.api_key:
            return Reply(200, {"error": "Apikey not found", "credits": 0})
        return super()._balance(request)

    def verdict(self, email: str, kind: str) -> tuple[Any, bool]:
        result, code, subresult = self.RESULTS[kind]
        charged = result in self.CHARGED or (
            self.charges_risky and result in ("catch_all", "unknown")
        )
        with self._state:
            # the balance the answer reports already counts this answer's credit
            balance = self.balance - int(charged)
        body = {
            "email": email,
            "quality": "good" if result == "ok" else "bad",
            "result": result,
            "resultcode": code,
            "subresult": subresult,
            "free": False,
            "role": kind == "role",
            "didyoumean": "",
            "credits": balance,
            "executiontime": 1,
            "error": "",
            "livemode": True,
        }
        return body, charged
