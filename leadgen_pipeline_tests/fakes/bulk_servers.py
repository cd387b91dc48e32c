"""Fake bulk-verification APIs on loopback, in the shapes `clients/bulk.py` documents, on top
of the single-check fakes (the same verdict per address, the same balance and books).

- `FakeNeverBounceBulk`: `POST /v4/jobs/create` (JSON rows), `GET /v4/jobs/status`,
  `/v4/jobs/download` (CSV, `email_status` appended), `/v4/jobs/search?job_name`.
- `FakeZeroBounceBulk`: `POST /v2/sendfile` (multipart `file`), `GET /v2/filestatus`,
  `/v2/getfile` (the `ZB …` CSV).
- `FakeMillionVerifierBulk`: `POST /bulkapi/v2/upload` (multipart `file_contents`),
  `GET /bulkapi/v2/fileinfo`, `/bulkapi/v2/download` (CSV), `/bulkapi/v2/filelist?name`.

A job answers "still running" to its first `polls_before_done` status reads, and to every
read while `hold_jobs()` is in force; it is charged once, when it completes, by the
provider's bulk rules (duplicates and rows without an address free). `uploads` counts every
submission, so a test sees that a resumed run never submitted the same addresses again.
Scripted faults (500s, cut-off bodies) come from the base class's queue, by path.
"""

from __future__ import annotations

import csv
import email.parser
import io
import itertools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from leadgen_pipeline_tests.fakes import RecordedRequest, Reply
from leadgen_pipeline_tests.fakes.verifier_servers import (
    FakeMillionVerifier,
    FakeNeverBounce,
    FakeVerifierServer,
    FakeZeroBounce,
    kind_of,
)


@dataclass
class Job:
    job_id: str
    name: str
    rows: list[str]  # as uploaded, repeats and blanks included
    polls: int = 0
    done: bool = False
    results: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class BulkMixin(FakeVerifierServer):
    """The bulk side of a provider fake; subclasses speak the provider's shapes."""

    submit_path: ClassVar[str]
    status_path: ClassVar[str]
    download_path: ClassVar[str]
    find_path: ClassVar[str | None] = None
    job_param: ClassVar[str] = "job_id"
    bulk_key_param: ClassVar[str] = "key"

    def __init__(self, *, polls_before_done: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.polls_before_done = polls_before_done
        self.jobs: dict[str, Job] = {}
        self.uploads = 0
        self._jobs_released = threading.Event()
        self._jobs_released.set()
        self._ids = itertools.count(150_970)

    def hold_jobs(self) -> None:
        """Every job answers "still running" until `release_jobs()`."""
        self._jobs_released.clear()

    def release_jobs(self) -> None:
        self._jobs_released.set()

    # --- provider hooks ----------------------------------------------------------------

    def uploaded_rows(
        self, request: RecordedRequest, raw_headers: Mapping[str, str]
    ) -> tuple[str, list[str]]:
        """(the job's name, the uploaded address cells)."""
        raise NotImplementedError

    def submitted(self, job: Job) -> Any:
        raise NotImplementedError

    def job_status_body(self, job: Job) -> Any:
        raise NotImplementedError

    def result_csv(self, job: Job) -> str:
        raise NotImplementedError

    def found(self, name: str) -> Any:
        raise NotImplementedError

    # --- routing -----------------------------------------------------------------------

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        bulk = {self.submit_path, self.status_path, self.download_path, self.find_path}
        if request.path not in bulk:
            return super().handle(request, raw_headers)
        key = self._key_of(request)
        if key != self.api_key:
            return self.auth_failure(key, "")
        if request.path == self.submit_path:
            name, rows = self.uploaded_rows(request, raw_headers)
            job = Job(str(next(self._ids)), name, rows)
            with self._state:
                self.uploads += 1
                self.jobs[job.job_id] = job
            return Reply(200, self.submitted(job))
        if request.path == self.find_path:
            return Reply(200, self.found(self._param(request, "name")))
        job = self.jobs.get(self._param(request, self.job_param))
        if job is None:
            return Reply(404, {"error": "no such job"})
        if request.path == self.status_path:
            self._advance(job)
            return Reply(200, self.job_status_body(job))
        if not job.done:
            return Reply(409, {"error": "job not complete"})
        return Reply(200, self.result_csv(job), {"content-type": "text/csv"})

    def _advance(self, job: Job) -> None:
        with self._state:
            job.polls += 1
            if job.done or not self._jobs_released.is_set() or job.polls <= self.polls_before_done:
                return
        # complete: verify and charge each distinct address once, as the provider bills bulk
        distinct = list(dict.fromkeys(r.strip().lower() for r in job.rows if "@" in r))
        results = []
        for address in distinct:
            body, charged = self.verdict(address, kind_of(address))
            results.append((address, body))
            with self._state:
                self.answered[address] += 1
                if charged:
                    self.paid_checks[address] += 1
                    self.balance -= 1
        with self._state:
            job.results = results
            job.done = True

    def _key_of(self, request: RecordedRequest) -> str:
        return self._param(request, self.bulk_key_param)

    @staticmethod
    def _param(request: RecordedRequest, name: str) -> str:
        return (request.query.get(name) or [""])[0]

    @staticmethod
    def _multipart(
        request: RecordedRequest, raw_headers: Mapping[str, str]
    ) -> dict[str, tuple[str | None, str]]:
        """Form fields of a multipart body: name -> (file name, text)."""
        text = request.body if isinstance(request.body, str) else ""
        message = email.parser.Parser().parsestr(
            f"Content-Type: {raw_headers.get('content-type', '')}\r\n\r\n{text}"
        )
        fields: dict[str, tuple[str | None, str]] = {}
        for part in message.walk():
            name = part.get_param("name", header="content-disposition")
            if name:
                payload = part.get_payload()
                fields[str(name)] = (
                    part.get_filename(),
                    payload if isinstance(payload, str) else "",
                )
        return fields


def _addresses(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return [row[0] if row else "" for row in rows[1:]]  # after the header row


class FakeNeverBounceBulk(BulkMixin, FakeNeverBounce):
    submit_path = "/v4/jobs/create"
    status_path = "/v4/jobs/status"
    download_path = "/v4/jobs/download"
    find_path = "/v4/jobs/search"

    def _key_of(self, request: RecordedRequest) -> str:
        if isinstance(request.body, dict):
            return str(request.body.get("key", ""))
        return self._param(request, "key")

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        if request.path == self.find_path:  # NeverBounce names it `job_name`
            query = {**request.query, "name": request.query.get("job_name", [""])}
            request = RecordedRequest(
                request.method, request.path, query, request.headers, request.body, request.raw_url
            )
        return super().handle(request, raw_headers)

    def uploaded_rows(
        self, request: RecordedRequest, raw_headers: Mapping[str, str]
    ) -> tuple[str, list[str]]:
        body = request.body if isinstance(request.body, dict) else {}
        rows = [
            r.get("email", "") if isinstance(r, dict) else (r or [""])[0]
            for r in body.get("input", [])
        ]
        return str(body.get("filename", "")), rows

    def submitted(self, job: Job) -> Any:
        return {"status": "success", "job_id": int(job.job_id), "execution_time": 388}

    def job_status_body(self, job: Job) -> Any:
        return {
            "status": "success",
            "id": int(job.job_id),
            "filename": job.name,
            "job_status": "complete" if job.done else "running",
            "total": {"records": len(job.rows), "billable": len(job.results)},
            "percent_complete": 100 if job.done else 50,
            "execution_time": 15,
        }

    def result_csv(self, job: Job) -> str:
        lines = ["email,email_status"] + [f"{a},{b['result']}" for a, b in job.results]
        return "\n".join(lines) + "\n"

    def found(self, name: str) -> Any:
        matches = [
            {
                "id": int(j.job_id),
                "filename": j.name,
                "job_status": "complete" if j.done else "running",
            }
            for j in self.jobs.values()
            if j.name == name
        ]
        return {"status": "success", "total_results": len(matches), "results": matches}


class FakeZeroBounceBulk(BulkMixin, FakeZeroBounce):
    submit_path = "/v2/sendfile"
    status_path = "/v2/filestatus"
    download_path = "/v2/getfile"
    job_param = "file_id"
    bulk_key_param = "api_key"

    def handle(self, request: RecordedRequest, raw_headers: Mapping[str, str]) -> Reply:
        if request.path == self.submit_path:
            fields = self._multipart(request, raw_headers)
            if fields.get("api_key", (None, ""))[1] != self.api_key:
                return Reply(200, {"success": False, "message": self.AUTH_MESSAGE})
            name, text = fields.get("file", (None, ""))
            job = Job(str(next(self._ids)), (name or "").removesuffix(".csv"), _addresses(text))
            with self._state:
                self.uploads += 1
                self.jobs[job.job_id] = job
            return Reply(200, self.submitted(job))
        return super().handle(request, raw_headers)

    def submitted(self, job: Job) -> Any:
        return {"success": True, "message": "File Accepted", "file_name": f"{job.name}.csv",
                "file_id": job.job_id}  # fmt: skip

    def job_status_body(self, job: Job) -> Any:
        return {
            "success": True,
            "file_id": job.job_id,
            "file_name": f"{job.name}.csv",
            "file_status": "Complete" if job.done else "Processing",
            "complete_percentage": "100%" if job.done else "40%",
            "return_url": None,
        }

    def result_csv(self, job: Job) -> str:
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL)
        writer.writerow(["Email Address", "ZB Status", "ZB Sub Status"])
        for address, body in job.results:
            status = body.get("status", "unknown")
            sub = body.get("sub_status", "greylisted" if "Message" in body else "")
            writer.writerow([address, status, sub])
        return out.getvalue()


class FakeMillionVerifierBulk(BulkMixin, FakeMillionVerifier):
    submit_path = "/bulkapi/v2/upload"
    status_path = "/bulkapi/v2/fileinfo"
    download_path = "/bulkapi/v2/download"
    find_path = "/bulkapi/v2/filelist"
    job_param = "file_id"

    def uploaded_rows(
        self, request: RecordedRequest, raw_headers: Mapping[str, str]
    ) -> tuple[str, list[str]]:
        name, text = self._multipart(request, raw_headers).get("file_contents", (None, ""))
        return (name or "").removesuffix(".csv"), _addresses(text)

    def submitted(self, job: Job) -> Any:
        return {"file_id": job.job_id, "file_name": f"{job.name}.csv", "status": "in_progress",
                "percent": 0, "total_rows": len(job.rows), "error": ""}  # fmt: skip

    def job_status_body(self, job: Job) -> Any:
        return {"file_id": job.job_id, "file_name": f"{job.name}.csv",
                "status": "finished" if job.done else "in_progress",
                "percent": 100 if job.done else 40, "total_rows": len(job.rows),
                "credit": sum(1 for _, b in job.results if b["result"] in self.CHARGED),
                "error": ""}  # fmt: skip

    def result_csv(self, job: Job) -> str:
        lines = ["email,quality,result,free,role"] + [
            f"{a},{b['quality']},{b['result']},no,{'yes' if b['role'] else 'no'}"
            for a, b in job.results
        ]
        return "\n".join(lines) + "\n"

    def found(self, name: str) -> Any:
        files = [
            {"file_id": j.job_id, "file_name": f"{j.name}.csv"}
            for j in self.jobs.values()
            if f"{j.name}.csv" == name
        ]
        return {"files": files, "total": len(files)}
