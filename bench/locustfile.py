"""Load test of the permit to work (issue 13 "Load test"): ``make loadtest`` runs it headless.

The first simulated user signs in through the admin login form (a session, as the safety
team uses it; the others share it), then each user, with a wait between tasks (``LOADTEST_WAIT``:
1–3 s by default, a fixed offered load whatever the server's speed; 0 for the capacity run):

* admin pages: the permit list and the KPI dashboard;
* API (session-authenticated, CSRF header on writes): permit list (page of 50), permit detail,
  readiness, KPIs, a gas reading posted to a live permit, and a transition pair
  (suspend then resume an active permit, so the data set keeps its shape).

Requests are grouped by route (``[id]`` for the permit id). The server started by
``scripts/loadtest.sh`` sets ``X-OHMS-Queries`` (``ohms_core.querycount``); the count of every
request is collected per route and written, with the route names, to ``LOADTEST_QUERIES_OUT``
(JSON) when the run stops.

Scaled data (``ohms_demo --scale N``, ``LOADTEST_SCALE=N``): the users are spread round-robin
over the logins of the N scaled organizations (``LOADTEST_ROLES``, default ``admin,emetteur``:
``admin.sc01@ohms.demo``, ``emetteur.sc01@ohms.demo``, ``admin.sc02@ohms.demo``...; the names
``ohms_core.demo_scale.scaled_login`` gives). Each login signs in once; the users of that login
share its session. Permits are picked from the whole list, not only its first page: each list
request reads a random page among the first ``LOADTEST_PAGES`` (20) pages of the user's
organization, and details, readiness, gas readings and transitions use permits of those pages.

Environment: ``LOADTEST_LOGINS`` (comma-separated logins, overrides the above),
``LOADTEST_USERNAME`` / ``LOADTEST_PASSWORD`` (without ``LOADTEST_SCALE``: one login, default the
demo administrator ``admin@ohms.demo``; the password is ``ohms-demo-2026`` for every demo
login), ``LOADTEST_ORG`` (organization code for the ``X-OHMS-Organization`` header when the
user belongs to several).
"""
from __future__ import annotations

import itertools
import json
import math
import os
import random
import re
from collections import defaultdict
from datetime import UTC, datetime

from gevent.lock import Semaphore
from locust import HttpUser, between, events, task
from locust.exception import StopUser

USERNAME = os.environ.get("LOADTEST_USERNAME", "admin@ohms.demo")
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "ohms-demo-2026")
ORGANIZATION = os.environ.get("LOADTEST_ORG", "")
SCALE = int(os.environ.get("LOADTEST_SCALE", "0") or 0)
ROLES = [r.strip() for r in os.environ.get("LOADTEST_ROLES", "admin,emetteur").split(",") if r.strip()]
PAGES = int(os.environ.get("LOADTEST_PAGES", "20"))
API = "/api/v1/ptw/permits/"
PAGE_SIZE = 50
QUERIES: dict[str, list[int]] = defaultdict(list)


def scaled_login(prefix: str, index: int) -> str:
    """Same names as ``ohms_core.demo_scale.scaled_login`` (this file runs without Django)."""
    return f"{prefix}.sc{index:02d}@ohms.demo"


def logins() -> list[str]:
    """The logins the simulated users are spread over, in round-robin order (organization first,
    so consecutive users land in different organizations)."""
    listed = [name.strip() for name in os.environ.get("LOADTEST_LOGINS", "").split(",") if name.strip()]
    if listed:
        return listed
    if SCALE > 0:
        return [scaled_login(role, index) for role in ROLES for index in range(1, SCALE + 1)]
    return [USERNAME]


LOGINS = logins()
#: One sign-in per login, shared by the simulated users of that login: 50 password checks
#: (PBKDF2, ~0.5 s of CPU each) at the start would be the whole load of a short run, and a
#: shift's users are signed in already.
_SESSIONS: dict[str, dict[str, str]] = {}
_SIGN_IN = Semaphore()
_NEXT_USER = itertools.count()


def _note_queries(name: str, response) -> None:
    value = response.headers.get("X-OHMS-Queries")
    if value is not None and value.isdigit():
        QUERIES[name].append(int(value))


@events.request.add_listener
def _on_request(request_type, name, response, exception, **kwargs):
    if response is not None and exception is None:
        _note_queries(f"{request_type} {name}", response)


@events.quitting.add_listener
def _write_queries(environment, **kwargs):
    target = os.environ.get("LOADTEST_QUERIES_OUT")
    if target:
        with open(target, "w") as handle:
            json.dump(QUERIES, handle)


def _wait_time():
    """``LOADTEST_WAIT``: "1-3" (default) waits 1 to 3 s between tasks, people reading what they
    asked for: a fixed offered load (about users / 2 requests a second), the latency run; "0"
    waits nothing: every user asks again as soon as it is answered, the server's capacity, the
    run whose throughput compares worker counts."""
    low, _, high = os.environ.get("LOADTEST_WAIT", "1-3").partition("-")
    return between(float(low), float(high or low))


class SafetyTeamUser(HttpUser):
    wait_time = _wait_time()

    def on_start(self):
        # Production settings mark cookies Secure and the server runs on plain HTTP behind no
        # proxy here: the requests say they came through an HTTPS proxy (SECURE_PROXY_SSL_HEADER)
        # and the session and CSRF cookies are sent by hand (requests keeps Secure cookies for HTTPS).
        self.origin = "https://" + self.host.split("://", 1)[-1].rstrip("/")
        self.client.headers.update({"Accept-Language": "en", "X-Forwarded-Proto": "https"})
        if ORGANIZATION:
            self.client.headers["X-OHMS-Organization"] = ORGANIZATION
        self.login = LOGINS[next(_NEXT_USER) % len(LOGINS)]
        with _SIGN_IN:
            if self.login not in _SESSIONS:
                self.sign_in()
        session = _SESSIONS[self.login]
        self.client.headers["Cookie"] = session["cookie"]
        self.csrf = session["csrf"]
        self.permits, self.live, self.suspended = [], [], []
        self.pages, self.live_pages = 1, 1
        self.refresh_permits()

    def sign_in(self):
        self.client.headers.pop("Cookie", None)  # another login's session, if any, is not ours
        self.client.cookies.clear()
        page = self.client.get("/admin/login/", name="/admin/login/")
        if page.status_code != 200:
            raise StopUser()
        self._send_cookies()
        token = self.client.cookies.get("csrftoken") or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                                                                   page.text).group(1)
        with self.client.post("/admin/login/", data={"username": self.login, "password": PASSWORD,
                                                     "csrfmiddlewaretoken": token},
                              headers={"Referer": f"{self.origin}/admin/login/"}, allow_redirects=False,
                              name="/admin/login/ (post)", catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"login: {response.status_code}")
                raise StopUser()
        self._send_cookies()
        _SESSIONS[self.login] = {"cookie": self.client.headers["Cookie"],
                                 "csrf": self.client.cookies.get("csrftoken", token)}

    def _send_cookies(self):
        self.client.headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)

    def refresh_permits(self):
        """A random page of the organization's permits (the first ``LOADTEST_PAGES``), then a
        random page of its live ones: the pool the other tasks pick from."""
        page = random.randint(1, max(1, min(self.pages, PAGES)))
        with self.client.get(f"{API}?page_size={PAGE_SIZE}&page={page}", name=f"{API}?page_size=50",
                             catch_response=True) as response:
            if response.status_code == 404 and page > 1:  # fewer pages than last time: start again
                response.success()
                self.pages = 1
                return
            if response.status_code != 200:
                response.failure(f"list: {response.status_code}")
                return
            body = response.json()
        self.pages = max(1, math.ceil(body.get("count", 0) / PAGE_SIZE))
        self.permits = [row["id"] for row in body.get("results", [])]
        page = random.randint(1, max(1, min(self.live_pages, PAGES)))
        with self.client.get(f"{API}?status=active,suspended&page_size={PAGE_SIZE}&page={page}",
                             name=f"{API}?status=active,suspended", catch_response=True) as response:
            if response.status_code == 200:
                body = response.json()
                self.live_pages = max(1, math.ceil(body.get("count", 0) / PAGE_SIZE))
                rows = body.get("results", [])
                self.live = [row["id"] for row in rows if row["status"] == "active"]
                self.suspended = [row["id"] for row in rows if row["status"] == "suspended"]
            elif response.status_code == 404 and page > 1:  # permits expired since: fewer pages
                response.success()
                self.live_pages = 1
            else:
                response.failure(f"live list: {response.status_code}")

    def _write_headers(self):
        return {"X-CSRFToken": self.csrf, "Referer": f"{self.origin}/admin/"}

    @task(3)
    def admin_permit_list(self):
        self.client.get("/admin/ptw/permits/", name="/admin/ptw/permits/")

    @task(1)
    def admin_dashboard(self):
        self.client.get("/admin/ptw/dashboard/", name="/admin/ptw/dashboard/")

    @task(5)
    def permit_list(self):
        self.refresh_permits()

    @task(4)
    def permit_detail(self):
        if self.permits:
            self.client.get(f"{API}{random.choice(self.permits)}/", name=f"{API}[id]/")

    @task(3)
    def readiness(self):
        if self.permits:
            self.client.get(f"{API}{random.choice(self.permits)}/readiness/", name=f"{API}[id]/readiness/")

    @task(2)
    def kpis(self):
        self.client.get(f"{API}kpis/", name=f"{API}kpis/")

    @task(1)
    def gas_reading(self):
        if not self.live:
            return
        payload = {"permit": random.choice(self.live), "gas": "O2", "value": "20.9", "unit": "%",
                   "tested_at": datetime.now(UTC).isoformat()}
        with self.client.post("/api/v1/ptw/gas-readings/", json=payload, headers=self._write_headers(),
                              name="/api/v1/ptw/gas-readings/ (post)", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"gas reading: {response.status_code} {response.text[:200]}")

    @task(1)
    def suspend_and_resume(self):
        """A transition pair: suspend then resume an active permit, or resume a suspended one
        first (an earlier run may have left it so), so the data set keeps its shape. A 409
        (another user moved it first) or a 400 naming a gate (e.g. gas readings too old to
        resume) are answers of the server under concurrency, not errors."""
        names = ("resume",) if self.suspended else ("suspend", "resume")
        pool = self.suspended or self.live
        if not pool:
            return
        permit = random.choice(pool)
        for name in names:
            with self.client.post(f"{API}{permit}/transitions/{name}/", json={"comment": "load test"},
                                  headers=self._write_headers(), name=f"{API}[id]/transitions/{name}/",
                                  catch_response=True) as response:
                if response.status_code in (200, 409) or (response.status_code == 400 and "reasons" in response.text):
                    response.success()
                else:
                    response.failure(f"{name}: {response.status_code} {response.text[:200]}")
                    return
