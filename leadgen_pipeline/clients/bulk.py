"""Bulk verification jobs: a whole list in one upload, polled, then downloaded.

Each provider's bulk API, as its documentation and SDKs describe it:

- NeverBounce v4 jobs: `POST /v4/jobs/create` (JSON: `key`, `input_location: supplied`,
  `filename`, `input` rows, `auto_parse`, `auto_start`) answers `{"status": "success",
  "job_id": 150970}`; `GET /v4/jobs/status?key&job_id` answers `job_status` (`complete`,
  `failed`, or on its way: `queued`, `parsing`, `running`, ...) and `percent_complete`;
  `GET /v4/jobs/download?key&job_id&email_status=1` answers a CSV of the input with
  `email_status` appended; `GET /v4/jobs/search?key&job_name` finds a job by the file name
  it was given.
- ZeroBounce v2 bulk (its own host, `bulkapi.zerobounce.net`): `POST /v2/sendfile`
  (multipart: `api_key`, `file`, `email_address_column`, `has_header_row`) answers
  `{"success": true, "file_id": ...}`; `GET /v2/filestatus?api_key&file_id` answers
  `file_status` (`Complete`, or `Queued`, `Processing`, ...) and `complete_percentage`;
  `GET /v2/getfile?api_key&file_id` answers the CSV with the `ZB …` columns (§D). Nothing
  finds a file by name.
- MillionVerifier bulk (its own host, `bulkapi.millionverifier.com`):
  `POST /bulkapi/v2/upload?key` (multipart `file_contents`) answers `{"file_id": ...,
  "status": "in_progress"}`; `GET /bulkapi/v2/fileinfo?key&file_id` answers `status`
  (`finished`, `in_progress`, `error`, ...) and `percent`;
  `GET /bulkapi/v2/download?key&file_id&filter=all` answers the CSV `email,quality,result,
  free,role`; `GET /bulkapi/v2/filelist?key&name` finds files by name.

A submission is sent once and never retried: a retried upload that had in fact arrived would
be a second job, paid twice. Status and downloads are read-only and use the shared retry
policy. Results pass through the same status mapping as single checks (the provider
modules' tables) and the same billing rules, in mode `bulk`.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import httpx
import polars as pl

from leadgen_pipeline.clients import millionverifier, neverbounce, zerobounce
from leadgen_pipeline.clients.billing import BillingRules
from leadgen_pipeline.clients.http import (
    ProviderError,
    RetryPolicy,
    scrub_text,
    send_with_retries,
)
from leadgen_pipeline.clients.verifiers import ProviderAccount, Verdict, VerdictStatus, utc_now
from leadgen_pipeline.kernel.keys import send_address


def send_addresses(cells: Sequence[str]) -> list[str | None]:
    """Each cell's send address (`verifiers.normalise_email`'s), or None where it is not an
    address: one Polars pass over a whole list, not a call per address."""
    series = pl.Series("email", list(cells), dtype=pl.String)
    return series.to_frame().select(send_address(pl.col("email"))).to_series().to_list()


@dataclass(frozen=True)
class BulkStatus:
    """Where a provider's job stands."""

    job_id: str
    done: bool
    failed: bool
    percent: float | None = None


class BulkVerifier(ProviderAccount):
    """One provider's bulk API. Subclasses name the paths and read the answers."""

    default_base_url: ClassVar[str] = ""
    key_param: ClassVar[str] = "key"
    submit_path: ClassVar[str] = "/"
    status_path: ClassVar[str] = "/"
    download_path: ClassVar[str] = "/"

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        timeout_s: float = 120.0,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        *,
        cost_per_check: float = 1.0,
        billing: BillingRules | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._set_account(api_key, policy, sleep, now, cost_per_check, billing)
        self._http = httpx.Client(
            base_url=(base_url or self.default_base_url).rstrip("/"),
            timeout=timeout_s,
            transport=transport,
        )

    # --- the job -----------------------------------------------------------------------

    def submit(self, job_name: str, emails: Sequence[str]) -> str:
        """Upload `emails` (normalised, de-duplicated) as one job named `job_name`; return
        the provider's job id. Sent once: a failure raises `ProviderError` and the caller
        must `find` the job before submitting those addresses again."""
        normalised = send_addresses(emails)
        if None in normalised:
            bad = emails[normalised.index(None)]
            raise ValueError(f"not an email address: {bad!r}")
        addresses = list(dict.fromkeys(a for a in normalised if a is not None))
        request = self._submit_request(job_name, addresses)
        response = self._send(request, RetryPolicy(max_attempts=1))
        job_id = self._job_id(self._json(response))
        if not job_id:
            raise self._error(f"{request.method} {self.submit_path} answered no job id", response)
        return job_id

    def status(self, job_id: str) -> BulkStatus:
        response = self._send(self._get(self.status_path, self._job_params(job_id)))
        return self._status(job_id, self._json(response))

    def find(self, job_name: str) -> str | None:
        """The provider's id of the job named `job_name`, or None if it has none; raises
        `NotImplementedError` where the provider cannot look a job up by name."""
        raise NotImplementedError(f"{self.name} cannot find a bulk job by its name")

    def wait(
        self,
        job_id: str,
        *,
        poll_every_s: float = 5.0,
        max_wait_s: float = 86_400,
        on_status: Callable[[BulkStatus], None] | None = None,
    ) -> None:
        """Poll until the job is done; `ProviderError` if it failed or took too long.
        `on_status` sees every status read (a caller's progress)."""
        waited = 0.0
        while True:
            state = self.status(job_id)
            if on_status is not None:
                on_status(state)
            if state.done:
                return
            if state.failed:
                raise self._error(f"bulk job {job_id} failed at the provider")
            if waited >= max_wait_s:
                raise self._error(f"bulk job {job_id} not done after {waited:.0f}s")
            self._sleep(poll_every_s)
            waited += poll_every_s

    def results(self, job_id: str) -> list[Verdict]:
        """The job's verdicts, one per distinct address, mapped and billed as in `bulk`
        mode; rows without a readable address are skipped (`malformed`, never charged)."""
        response = self._send(self._get(self.download_path, self._download_params(job_id)))
        rows = [
            {str(k).strip().lower(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(io.StringIO(response.text))
        ]
        emails = send_addresses([self._row_email(cells) for cells in rows])
        checked_at = self._now()
        verdicts: dict[str, Verdict] = {}
        for email, cells in zip(emails, rows, strict=True):
            if email is None or email in verdicts:  # no address, or a repeated row
                continue
            status, provider_status, outcome = self._row_verdict(cells)
            paid = self.billing.charged(outcome, "bulk")
            verdicts[email] = Verdict(
                email=email,
                status=status,
                provider_status=provider_status,
                provider=self.name,
                checked_at=checked_at,
                paid=paid,
                cost=self.cost_per_check if paid else 0.0,
                detail=f"bulk job {job_id}",
            )
        return list(verdicts.values())

    # --- subclass hooks ----------------------------------------------------------------

    def _submit_request(self, job_name: str, emails: list[str]) -> httpx.Request:
        raise NotImplementedError

    def _job_id(self, data: Mapping[str, Any]) -> str | None:
        raise NotImplementedError

    def _status(self, job_id: str, data: Mapping[str, Any]) -> BulkStatus:
        raise NotImplementedError

    def _download_params(self, job_id: str) -> dict[str, str]:
        return self._job_params(job_id)

    def _row_email(self, cells: Mapping[str, str]) -> str:
        return cells.get("email", "")

    def _row_verdict(self, cells: Mapping[str, str]) -> tuple[VerdictStatus, str, str]:
        """(our status, the provider's own, the billing outcome) of one result row."""
        raise NotImplementedError

    # --- plumbing ----------------------------------------------------------------------

    def _job_params(self, job_id: str) -> dict[str, str]:
        return {self.key_param: self._api_key, "job_id": job_id}

    def _get(self, path: str, params: dict[str, str]) -> httpx.Request:
        return self._http.build_request("GET", path, params=params)

    def _csv(self, emails: list[str]) -> bytes:
        return ("email\n" + "\n".join(emails) + "\n").encode()

    def _send(self, request: httpx.Request, policy: RetryPolicy | None = None) -> httpx.Response:
        return send_with_retries(
            self._http,
            request,
            policy or self._policy,
            self._sleep,
            provider=self.name,
            secrets=(self._api_key,),
        )

    def _json(self, response: httpx.Response) -> Mapping[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise self._error(
                f"{response.request.url.path} answered a body that is not JSON", response
            )
        return data

    def _error(self, message: str, response: httpx.Response | None = None) -> ProviderError:
        return ProviderError(
            self.name,
            scrub_text(message, (self._api_key,)),
            status_code=response.status_code if response is not None else None,
            body=scrub_text(response.text, (self._api_key,)) if response is not None else None,
        )


def _mapped(value: str, table: Mapping[str, VerdictStatus]) -> tuple[VerdictStatus, str]:
    """Our status for a provider's label (outside its vocabulary: unknown, `unrecognised`)."""
    ours = table.get(value.strip().lower())
    return (ours, ours) if ours is not None else ("unknown", "unrecognised")


class NeverBounceBulk(BulkVerifier):
    name = neverbounce.PROVIDER
    default_base_url = neverbounce.DEFAULT_BASE_URL
    key_param = "key"
    submit_path = "/v4/jobs/create"
    status_path = "/v4/jobs/status"
    download_path = "/v4/jobs/download"
    search_path = "/v4/jobs/search"
    DONE: ClassVar[frozenset[str]] = frozenset({"complete"})
    FAILED: ClassVar[frozenset[str]] = frozenset({"failed"})

    def _submit_request(self, job_name: str, emails: list[str]) -> httpx.Request:
        body = {
            "key": self._api_key,
            "input_location": "supplied",
            "filename": job_name,
            "input": [{"email": e} for e in emails],
            "auto_parse": 1,
            "auto_start": 1,
        }
        return self._http.build_request("POST", self.submit_path, json=body)

    def _checked(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        if data.get("status") != "success":
            message = data.get("message") or ""
            stop = "auth" if data.get("status") in neverbounce.ACCOUNT_STATUSES else None
            raise ProviderError(
                self.name,
                scrub_text(f"answered status {data.get('status')!r}: {message}", (self._api_key,)),
                status_code=200,
                stop_reason=stop,
            )
        return data

    def _job_id(self, data: Mapping[str, Any]) -> str | None:
        job_id = self._checked(data).get("job_id")
        return str(job_id) if job_id not in (None, "") else None

    def _status(self, job_id: str, data: Mapping[str, Any]) -> BulkStatus:
        state = str(self._checked(data).get("job_status") or "").lower()
        percent = data.get("percent_complete")
        return BulkStatus(
            job_id,
            state in self.DONE,
            state in self.FAILED,
            float(percent) if isinstance(percent, int | float) else None,
        )

    def _download_params(self, job_id: str) -> dict[str, str]:
        return {**self._job_params(job_id), "email_status": "1"}

    def find(self, job_name: str) -> str | None:
        params = {"key": self._api_key, "job_name": job_name}
        data = self._checked(self._json(self._send(self._get(self.search_path, params))))
        for job in data.get("results") or []:
            if isinstance(job, Mapping) and job.get("filename") == job_name:
                return str(job.get("id"))
        return None

    def _row_verdict(self, cells: Mapping[str, str]) -> tuple[VerdictStatus, str, str]:
        raw = cells.get("email_status") or cells.get("result") or ""
        status, outcome = _mapped(raw, neverbounce.RESULTS)
        return status, raw, outcome


class ZeroBounceBulk(BulkVerifier):
    name = zerobounce.PROVIDER
    default_base_url = "https://bulkapi.zerobounce.net"
    key_param = "api_key"
    submit_path = "/v2/sendfile"
    status_path = "/v2/filestatus"
    download_path = "/v2/getfile"

    def _job_params(self, job_id: str) -> dict[str, str]:
        return {"api_key": self._api_key, "file_id": job_id}

    def _submit_request(self, job_name: str, emails: list[str]) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self.submit_path,
            data={"api_key": self._api_key, "email_address_column": "1", "has_header_row": "true"},
            files={"file": (f"{job_name}.csv", self._csv(emails), "text/csv")},
        )

    def _job_id(self, data: Mapping[str, Any]) -> str | None:
        if data.get("success") is not True:
            message = str(data.get("message") or data.get("error") or "")
            stop = "auth" if zerobounce.ACCOUNT_ERROR.search(message) else None
            raise ProviderError(self.name, f"refused the file: {message}", stop_reason=stop)
        return str(data.get("file_id") or "") or None

    def _status(self, job_id: str, data: Mapping[str, Any]) -> BulkStatus:
        state = str(data.get("file_status") or "").strip().lower()
        percent = str(data.get("complete_percentage") or "").rstrip("%")
        return BulkStatus(
            job_id,
            state == "complete",
            state in ("deleted", "failed", "error"),
            float(percent) if percent.replace(".", "", 1).isdigit() else None,
        )

    def _row_email(self, cells: Mapping[str, str]) -> str:
        return cells.get("email address") or cells.get("email") or ""

    def _row_verdict(self, cells: Mapping[str, str]) -> tuple[VerdictStatus, str, str]:
        raw = cells.get("zb status", "").lower()
        sub = cells.get("zb sub status", "").lower()
        status, outcome = _mapped(raw, zerobounce.STATUSES)
        if raw == "do_not_mail":
            status = zerobounce.DO_NOT_MAIL_SUB_STATUSES.get(sub, "do_not_mail")
            outcome = status
        return status, f"{raw}/{sub}" if sub else raw, outcome


class MillionVerifierBulk(BulkVerifier):
    name = millionverifier.PROVIDER
    default_base_url = "https://bulkapi.millionverifier.com"
    key_param = "key"
    submit_path = "/bulkapi/v2/upload"
    status_path = "/bulkapi/v2/fileinfo"
    download_path = "/bulkapi/v2/download"
    list_path = "/bulkapi/v2/filelist"

    def _job_params(self, job_id: str) -> dict[str, str]:
        return {"key": self._api_key, "file_id": job_id}

    def _submit_request(self, job_name: str, emails: list[str]) -> httpx.Request:
        return self._http.build_request(
            "POST",
            self.submit_path,
            params={"key": self._api_key},
            files={"file_contents": (f"{job_name}.csv", self._csv(emails), "text/csv")},
        )

    def _checked(self, data: Mapping[str, Any]) -> Mapping[str, Any]:
        error = str(data.get("error") or "").strip()
        if error:
            raise ProviderError(
                self.name, f"answered {error!r}", status_code=200,
                stop_reason=millionverifier.stop_reason_of(error),
            )  # fmt: skip
        return data

    def _job_id(self, data: Mapping[str, Any]) -> str | None:
        return str(self._checked(data).get("file_id") or "") or None

    def _status(self, job_id: str, data: Mapping[str, Any]) -> BulkStatus:
        state = str(self._checked(data).get("status") or "").lower()
        percent = data.get("percent")
        return BulkStatus(
            job_id,
            state == "finished",
            state in ("error", "canceled"),
            float(percent) if isinstance(percent, int | float) else None,
        )

    def _download_params(self, job_id: str) -> dict[str, str]:
        return {**self._job_params(job_id), "filter": "all"}

    def find(self, job_name: str) -> str | None:
        params = {"key": self._api_key, "name": f"{job_name}.csv"}
        data = self._checked(self._json(self._send(self._get(self.list_path, params))))
        for file in data.get("files") or []:
            if isinstance(file, Mapping) and file.get("file_name") == f"{job_name}.csv":
                return str(file.get("file_id"))
        return None

    def _row_verdict(self, cells: Mapping[str, str]) -> tuple[VerdictStatus, str, str]:
        raw = cells.get("result", "")
        status, outcome = _mapped(raw, millionverifier.RESULTS)
        quality = cells.get("quality", "")
        return status, f"{raw}/{quality}" if quality else raw, outcome


BULK_VERIFIERS: dict[str, type[BulkVerifier]] = {
    c.name: c for c in (NeverBounceBulk, ZeroBounceBulk, MillionVerifierBulk)
}
