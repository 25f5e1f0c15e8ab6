"""Azure ML Studio (classic) Batch Execution under ``/workspaces/{ws}/services/{service}/jobs``.

``POST .../jobs`` submits, ``POST .../jobs/{id}/start`` starts, ``GET
.../jobs/{id}`` polls ``NotStarted`` -> ``Running`` -> ``Finished`` or
``Failed``, ``DELETE`` cancels.  Where the real service reads inputs from and
writes results to Azure blob storage, the stub takes the input table inline
(as Request-Response does) and returns the results inline in the finished
job's status.  How jobs behave is set per service through the admin API
(``/__admin/services/{service}/jobs``), which this module also serves.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

from aiohttp import web

from ..errors import refused
from ..inputs import admin_json
from ..state import ADMIN, SERVICE_NAME, Stub
from .classic import authorize, claim, classic_error, read_table, scored

MAX_JOBS = 1000  # per service; the oldest are forgotten first


@dataclass
class JobSettings:
    """How the service's batch jobs behave (set through the admin API)."""

    seconds: float = 2.0  # time from start to the end of the job
    fail: str | None = None  # when set, jobs end Failed with this message
    next_id: str | None = None  # the id the next submitted job gets (default: a random one)

    @classmethod
    def from_json(cls, doc: dict) -> JobSettings:
        unknown = set(doc) - {"seconds", "fail", "nextId"}
        if unknown:
            raise ValueError(f"unknown field(s): {', '.join(sorted(unknown))}; known: seconds, fail, nextId")
        seconds = doc.get("seconds", 2.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 3600:
            raise ValueError("seconds must be a number from 0 to 3600")
        for key in ("fail", "nextId"):
            if doc.get(key) is not None and not (isinstance(doc[key], str) and doc[key]):
                raise ValueError(f"{key} must be a non-empty string or null")
        return cls(float(seconds), doc.get("fail"), doc.get("nextId"))

    def to_json(self) -> dict:
        return {"seconds": self.seconds, "fail": self.fail, "nextId": self.next_id}


@dataclass
class Job:
    id: str
    table: dict  # the scored output table
    seconds: float
    fail: str | None
    started: float | None = None
    cancelled: bool = False

    def status(self, now: float) -> dict:
        if self.cancelled:
            return {"StatusCode": "Cancelled", "Results": None, "Details": "the job was cancelled"}
        if self.started is None:
            return {"StatusCode": "NotStarted", "Results": None, "Details": None}
        if now - self.started < self.seconds:
            return {"StatusCode": "Running", "Results": None, "Details": None}
        if self.fail:
            return {"StatusCode": "Failed", "Results": None, "Details": self.fail}
        return {"StatusCode": "Finished", "Results": {"output1": self.table}, "Details": None}


@dataclass
class ServiceJobs:
    settings: JobSettings = field(default_factory=JobSettings)
    jobs: OrderedDict[str, Job] = field(default_factory=OrderedDict)


def register(stub: Stub, router: web.UrlDispatcher) -> None:
    batch = BatchExecution(stub)
    stub.reset_hooks.append(batch.reset)
    base = claim(stub) + "/jobs"
    router.add_post(base, batch.submit)
    router.add_post(base + "/{job}/start", batch.start)
    router.add_get(base + "/{job}", batch.job_status)
    router.add_delete(base + "/{job}", batch.cancel)
    admin = ADMIN + "/services/{service:" + SERVICE_NAME + "}/jobs"
    router.add_get(admin, batch.admin_jobs)
    router.add_put(admin, batch.admin_set_jobs)


class BatchExecution:
    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.state: dict[str, ServiceJobs] = {}

    def of(self, service: str) -> ServiceJobs:
        return self.state.setdefault(service, ServiceJobs())

    def reset(self, service: str) -> None:
        self.state.pop(service, None)

    async def submit(self, request: web.Request) -> web.Response:
        state = self.of(authorize(self.stub, request))
        names, rows = await read_table(self.stub, request)
        settings = state.settings
        job_id, settings.next_id = settings.next_id or uuid.uuid4().hex, None
        if job_id in state.jobs:
            raise classic_error(409, "JobExists", f"a job with id {job_id!r} exists already")
        state.jobs[job_id] = Job(job_id, scored(self.stub, names, rows, True), settings.seconds, settings.fail)
        while len(state.jobs) > MAX_JOBS:
            state.jobs.popitem(last=False)
        return web.json_response(job_id)

    def _job(self, request: web.Request) -> Job:
        state = self.of(authorize(self.stub, request))
        job = state.jobs.get(request.match_info["job"])
        if job is None:
            raise classic_error(404, "JobNotFound", f"no job {request.match_info['job']!r}; submit one first")
        return job

    async def start(self, request: web.Request) -> web.Response:
        job = self._job(request)
        if job.started is not None or job.cancelled:
            raise classic_error(409, "JobAlreadyStarted", f"job {job.id!r} was started already")
        job.started = time.monotonic()
        return web.Response(status=200)

    async def job_status(self, request: web.Request) -> web.Response:
        return web.json_response(self._job(request).status(time.monotonic()))

    async def cancel(self, request: web.Request) -> web.Response:
        self._job(request).cancelled = True
        return web.Response(status=200)

    # -- admin ----------------------------------------------------------------------
    async def admin_jobs(self, request: web.Request) -> web.Response:
        """The service's batch-job settings and its jobs' states."""
        state = self.of(request.match_info["service"])
        now = time.monotonic()
        jobs = [{"id": j.id, **j.status(now)} for j in state.jobs.values()]
        return web.json_response({"settings": state.settings.to_json(), "jobs": jobs})

    async def admin_set_jobs(self, request: web.Request) -> web.Response:
        doc = await admin_json(request)
        with refused():
            settings = JobSettings.from_json(doc)
        self.of(request.match_info["service"]).settings = settings
        return web.json_response({"settings": settings.to_json()})
