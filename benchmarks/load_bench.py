"""Pages under concurrent load, served by gunicorn on PostgreSQL, and the autosave soak.

Set-up: the synthetic data set (200 countries × 3 cycles, benchmarks/dataset.py) in its own
database; gunicorn as in deploy/mrn-assess.service (``--workers 4 --threads 2``, persistent
database connections) on 127.0.0.1, with production settings (DEBUG and MRN_TESTING off, behind
a TLS proxy: every request carries ``X-Forwarded-Proto: https`` as nginx would send it).
Signed-in users get real database sessions (``Client.force_login``); their cookie goes to the
load generator.

1. wrk, 2 threads and 8 connections, 4 s per page and round, the pages in turn, 3 rounds: the
   login page (anonymous), a focal point's domain page (D2 of a draft, 21 questions as forms),
   the matrix page and a country profile (an analyst). Requests per second, p95 latency (wrk's
   own histogram, through a Lua ``done`` hook), and each page's throughput as a ratio to the
   login page: the median of the three rounds' ratios, each against the login run of its round.
2. The soak: 50 focal points of 50 countries (their drafts), each in its own thread with a
   keep-alive connection, open their domain page (for the CSRF token) and then autosave one
   answer after another through the JSON endpoint exactly as static/js/questionnaire.js does
   (form fields, the answer version the save is based on, ``X-CSRFToken``), with a think time of
   0–1 s between saves, for 30 s. Errors: any answer but 200 "saved" (aim 0). Writes lost: saves
   the server acknowledged as changed minus the AnswerChange rows found in the database afterwards,
   plus answers whose final value is not the last value acknowledged (aim 0). p95 save latency as
   seen by the client.

PostgreSQL only: SQLite would measure its single-writer lock, not the application.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from benchmarks import dataset
from benchmarks.common import Aim, heading, row
from capabilities.models import Answer, AnswerChange, Assessment, Question, QuestionKind, Status

HOST = "127.0.0.1"
WRK_SECONDS = 4  # per page and round
WRK_ROUNDS = 3  # every page in turn, this many times (see _pages)
WRK_WARM_UP_SECONDS = 2  # per page, before the rounds, not counted
WRK_THREADS = 2
WRK_CONNECTIONS = 8
SOAK_USERS = 50
SOAK_SECONDS = 30
THINK_SECONDS = (0.0, 1.0)
REQUEST_TIMEOUT = 30
GUNICORN_ARGS = ["--workers", "4", "--threads", "2", "--timeout", "60"]
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-RESULT %d %d %d %d %d %d %d\\n",
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


# ---------------------------------------------------------------------------------------------
# The server


class Server:
    """gunicorn on a free loopback port, in its own process group; ``stop()`` ends that group."""

    def __init__(self, database_url: str) -> None:
        self.port = _free_port()
        # Kept open while the server runs; closed (and deleted) by stop().
        self.log = tempfile.NamedTemporaryFile(prefix="mrn-bench-gunicorn-", suffix=".log")  # noqa: SIM115
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DATABASE_CONN_MAX_AGE": "60",
            "MRN_TESTING": "false",
            "DJANGO_DEBUG": "false",
            # The sessions were signed in this process: the server must share its key.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_BEHIND_TLS_PROXY": "true",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_LOG_LEVEL": "ERROR",
        }
        gunicorn = str(Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn")
        if not Path(gunicorn).exists():
            gunicorn = shutil.which("gunicorn") or "gunicorn"
        self.process = subprocess.Popen(  # noqa: S603 (fixed argument list, no shell)
            [
                gunicorn,
                "mrn_assess.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                *GUNICORN_ARGS,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.tail()}")
            try:
                status, _headers, _body = request(self.port, "GET", "/health/")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /health/ within {seconds} s: {self.tail()}")

    def tail(self) -> str:
        try:
            return Path(self.log.name).read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def last_error(self) -> str:
        """The last exception line of the server's log (what a 500 was), or ""."""
        lines = [
            line
            for line in self.tail().splitlines()
            if re.match(r"^[\w.]+(Error|Exception)\b", line)
        ]
        return lines[-1] if lines else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=body, headers={**PROXY_HEADERS, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        if own:
            conn.close()


# ---------------------------------------------------------------------------------------------
# Sessions and pages


def session_cookie(user: User) -> str:
    from capabilities import two_factor

    client = Client()
    client.force_login(user)
    session = client.session  # as after the second factor (analysts must give one)
    session[two_factor.SESSION_KEY] = str(user.pk)
    session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@dataclass
class Page:
    label: str
    path: str
    cookie: str = ""


def _reverse(name: str, *args: object) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def pages(data: dataset.Dataset) -> tuple[list[Page], list[str]]:
    """The pages to load, and notes on the ones that do not exist (yet)."""
    notes: list[str] = []
    cycle = data.cycle
    draft = (
        Assessment.objects.filter(cycle=cycle, status=Status.DRAFT)
        .select_related("country")
        .order_by("country__code")
        .first()
    )
    scored = (
        Assessment.objects.filter(cycle=cycle, status=Status.VALIDATED)
        .select_related("country")
        .order_by("country__code")
        .first()
    )
    assert draft is not None and scored is not None, (
        "the data set has a draft and a validated assessment"
    )
    assert data.analyst is not None
    focal = session_cookie(data.focal_points[draft.country_id])
    analyst = session_cookie(data.analyst)
    result = [Page("login page (anonymous)", reverse("login"))]
    domain = _reverse("capabilities:domain", draft.pk, "D2")
    matrix = _reverse("reports:matrix")
    profile = _reverse("reports:country_profile", scored.country.code)
    for label, path, cookie, name in (
        ("domain page D2 (focal point, 21 questions)", domain, focal, "capabilities:domain"),
        ("matrix page (analyst)", matrix and f"{matrix}?cycle={cycle.code}", analyst, "matrix"),
        (
            "country profile (analyst)",
            profile and f"{profile}?cycle={cycle.code}",
            analyst,
            "reports:country_profile",
        ),
    ):
        if path is None:
            notes.append(f"{label}: skipped, URL {name} does not exist yet")
        else:
            result.append(Page(label, path, cookie))
    return result, notes


def _cookie_headers(cookie: str) -> dict[str, str]:
    return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"} if cookie else {}


# ---------------------------------------------------------------------------------------------
# wrk


def find_wrk() -> str | None:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    print("  wrk is not installed: install it with `apt-get install -y wrk` (Debian package).")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        print("  Running as root: trying `apt-get install -y wrk` …", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "wrk"],  # noqa: S607
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
            check=False,
        )
    return shutil.which("wrk")


@dataclass
class WrkResult:
    requests: int
    seconds: float
    status_errors: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    wrk: str, script: str, server: Server, page: Page, seconds: int = WRK_SECONDS
) -> WrkResult:
    command = [
        wrk,
        f"-t{WRK_THREADS}",
        f"-c{WRK_CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        script,
        "-H",
        "X-Forwarded-Proto: https",
    ]
    if page.cookie:
        command += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={page.cookie}"]
    command.append(server.base + page.path)
    out = subprocess.run(  # noqa: S603 (fixed argument list, no shell)
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    match = re.search(r"WRK-RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", out.stdout)
    if not match:
        raise RuntimeError(f"wrk printed no result: {out.stdout}\n{out.stderr}")
    n, duration_us, status_errors, socket_errors, p50, p95, p99 = map(int, match.groups())
    return WrkResult(
        n, duration_us / 1e6, status_errors, socket_errors, p50 / 1000, p95 / 1000, p99 / 1000
    )


# ---------------------------------------------------------------------------------------------
# The soak


@dataclass
class SoakUser:
    assessment_id: int
    cookie: str
    questions: list[Question]
    versions: dict[int, int]
    offset: int
    latencies: list[float] = field(default_factory=list)
    acked: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    last_acked: dict[int, str] = field(default_factory=dict)


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _csrf_cookie(headers: http.client.HTTPMessage) -> str:
    for value in headers.get_all("Set-Cookie") or []:
        name, _sep, rest = value.partition("=")
        if name.strip() == settings.CSRF_COOKIE_NAME:
            return rest.split(";", 1)[0]
    return ""


def soak_worker(user: SoakUser, port: int, deadline: float, seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        page = reverse("capabilities:domain", args=[user.assessment_id, "D1"])
        status, headers, body = request(
            port, "GET", page, headers=_cookie_headers(user.cookie), conn=conn
        )
        match = CSRF_INPUT.search(body.decode("utf-8", "replace"))
        csrf_cookie = _csrf_cookie(headers)
        if status != 200 or not match or not csrf_cookie:
            user.errors.append(f"domain page: HTTP {status}, no CSRF token")
            return
        token = match.group(1)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={user.cookie}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf_cookie}"
        )
        referer = f"https://{HOST}:{port}{page}"
        i = user.offset
        while time.monotonic() < deadline:
            question = user.questions[i % len(user.questions)]
            i += 1
            previous = user.last_acked.get(question.pk)
            value = "no" if previous == "yes" else "yes"
            prefix = f"q{question.pk}"
            body_bytes = urllib.parse.urlencode(
                {
                    f"{prefix}-value": value,
                    f"{prefix}-comment": "",
                    f"{prefix}-evidence": "",
                    f"{prefix}-version": user.versions[question.pk],
                }
            ).encode()
            path = reverse("capabilities:answer_save", args=[user.assessment_id, question.pk])
            started = time.perf_counter()
            try:
                status, _headers, reply = request(
                    port,
                    "POST",
                    path,
                    headers={
                        "Cookie": cookie,
                        "X-CSRFToken": token,
                        "Accept": "application/json",
                        "Referer": referer,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                    body=body_bytes,
                    conn=conn,
                )
            except (OSError, http.client.HTTPException) as exc:
                user.errors.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
                continue
            user.latencies.append(time.perf_counter() - started)
            try:
                data = json.loads(reply)
            except ValueError:
                data = {}
            if status == 200 and data.get("status") == "saved":
                user.versions[question.pk] = data["version"]
                if data.get("changed"):
                    user.acked += 1
                    user.last_acked[question.pk] = value
                else:
                    user.unchanged += 1
            else:
                user.errors.append(f"HTTP {status} {data.get('status', reply[:80])}")
            time.sleep(rng.uniform(*THINK_SECONDS))
    finally:
        conn.close()


def soak(data: dataset.Dataset, server: Server) -> dict[str, Any]:
    drafts = list(
        Assessment.objects.filter(cycle=data.cycle, status=Status.DRAFT).order_by("country__code")[
            :SOAK_USERS
        ]
    )
    if len(drafts) < SOAK_USERS:
        raise RuntimeError(f"Only {len(drafts)} drafts for {SOAK_USERS} focal points.")
    questions = [q for q in data.questions if q.kind == QuestionKind.YES_NO]
    versions = {
        (a, q): v
        for a, q, v in Answer.objects.filter(
            assessment__in=drafts, question__in=questions
        ).values_list("assessment_id", "question_id", "version")
    }
    users = [
        SoakUser(
            assessment_id=a.pk,
            cookie=session_cookie(data.focal_points[a.country_id]),
            questions=questions,
            versions={q.pk: versions.get((a.pk, q.pk), 0) for q in questions},
            offset=k * 7,
        )
        for k, a in enumerate(drafts)
    ]
    changes_before = AnswerChange.objects.count()
    connection.close()  # no idle transaction of ours while the server writes
    deadline = time.monotonic() + SOAK_SECONDS
    threads = [
        threading.Thread(target=soak_worker, args=(u, server.port, deadline, k), daemon=True)
        for k, u in enumerate(users)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=SOAK_SECONDS + REQUEST_TIMEOUT + 30)
    elapsed = time.perf_counter() - started
    changes = AnswerChange.objects.count() - changes_before
    acked = sum(u.acked for u in users)
    final = {
        (a, q): v
        for a, q, v in Answer.objects.filter(assessment__in=drafts).values_list(
            "assessment_id", "question_id", "value"
        )
    }
    mismatched = sum(
        1
        for u in users
        for q, value in u.last_acked.items()
        if final.get((u.assessment_id, q)) != value
    )
    latencies = sorted(x for u in users for x in u.latencies)
    errors = [e for u in users for e in u.errors]
    p95 = statistics.quantiles(latencies, n=100)[94] if len(latencies) >= 2 else 0.0
    p50 = statistics.median(latencies) if latencies else 0.0
    return {
        "saves": len(latencies),
        "acked": acked,
        "unchanged": sum(u.unchanged for u in users),
        "changes": changes,
        "lost": max(acked - changes, 0) + mismatched,
        "extra": max(changes - acked, 0),
        "mismatched": mismatched,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "p50_ms": p50 * 1000,
        "p95_ms": p95 * 1000,
        "rate": len(latencies) / elapsed if elapsed else 0.0,
        "alive": sum(t.is_alive() for t in threads),
    }


# ---------------------------------------------------------------------------------------------


def run() -> list[Aim]:
    heading("Load: pages under concurrent load (gunicorn + wrk) and the autosave soak")
    if connection.vendor != "postgresql":
        print(
            "  skipped: DATABASE_URL is not PostgreSQL (SQLite would measure its single-writer "
            "lock). Run with DATABASE_URL=postgres://… to measure."
        )
        return []
    aims: list[Aim] = []
    with dataset.bench_database() as db:
        data = dataset.build(200)
        dataset.analyze()
        page_list, notes = pages(data)
        server = Server(db.url())
        try:
            server.wait_ready()
            row(
                "server",
                f"gunicorn {' '.join(GUNICORN_ARGS)} on {HOST}, "
                f"{os.cpu_count()} cores shared with the load generator",
            )
            wrk = find_wrk()
            if wrk is None:
                print("  pages skipped: no wrk (apt-get install -y wrk).")
            else:
                aims += _pages(wrk, server, page_list, notes)
            aims += _soak(data, server)
        finally:
            server.stop()
    return aims


def _pages(wrk: str, server: Server, page_list: list[Page], notes: list[str]) -> list[Aim]:
    """Each page under wrk for WRK_SECONDS, every page in turn, WRK_ROUNDS times, after a
    warm-up run of each (WRK_WARM_UP_SECONDS, not counted). A page's
    ratio to the login page is the median of its rounds' ratios, each against the login run of
    the same round, seconds before: on this shared 2-core machine the login page's own rate
    moved by up to 1.6× between whole runs of the benchmark (681–1,091 req/s on one evening),
    and a single ratio of two runs minutes apart carried that drift."""
    live: list[Page] = []
    for page in page_list:
        status, _headers, _body = request(
            server.port, "GET", page.path, headers=_cookie_headers(page.cookie)
        )
        if status != 200:
            notes.append(f"{page.label}: skipped, GET {page.path} answered HTTP {status}")
            continue
        live.append(page)
    rounds: list[list[WrkResult]] = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        # Every gunicorn worker fills its own caches (framework, page bodies) at its first
        # requests of a page: a short run of each page first, not counted.
        for page in live:
            run_wrk(wrk, script.name, server, page, seconds=WRK_WARM_UP_SECONDS)
        for _round in range(WRK_ROUNDS):
            rounds.append([run_wrk(wrk, script.name, server, page) for page in live])
    finally:
        os.unlink(script.name)
    print(
        f"  wrk: {WRK_THREADS} threads, {WRK_CONNECTIONS} connections, {WRK_ROUNDS} rounds of "
        f"{WRK_SECONDS} s per page, the pages in turn; req/s over all rounds, latencies the "
        "median of the rounds', ratio the median of the rounds' ratios (lowest–highest)"
    )
    error_aims: list[Aim] = []
    rate_aims: list[Aim] = []
    for index, page in enumerate(live):
        runs = [results[index] for results in rounds]
        requests = sum(r.requests for r in runs)
        seconds = sum(r.seconds for r in runs)
        rps = requests / seconds if seconds else 0.0
        per_round = [results[index].rps / results[0].rps for results in rounds if results[0].rps]
        ratio = statistics.median(per_round) if per_round else None
        spread = f" ({min(per_round):.2f}–{max(per_round):.2f})" if per_round else ""
        errors = sum(r.status_errors + r.socket_errors for r in runs)
        row(
            page.label,
            f"{rps:7.1f} req/s  p50 {statistics.median(r.p50_ms for r in runs):6.1f} ms  "
            f"p95 {statistics.median(r.p95_ms for r in runs):6.1f} ms  "
            + (f"{ratio:5.2f}× login{spread}" if ratio is not None else "")
            + (f"  ERRORS {errors}" if errors else ""),
        )
        error_aims.append(Aim(f"HTTP errors under load: {page.label}", errors, 0, unit=""))
        if index > 0 and ratio is not None:
            # issue 11: a signed-in page serves at least a quarter of the login page's rate
            rate_aims.append(Aim(f"throughput vs login page: {page.label}", ratio, 0.25, True))
    for note in notes:
        print(f"  ({note})")
    return error_aims + rate_aims


def _soak(data: dataset.Dataset, server: Server) -> list[Aim]:
    s = soak(data, server)
    row(
        f"autosave soak: {SOAK_USERS} focal points × {SOAK_SECONDS} s",
        f"{s['saves']} saves ({s['rate']:.1f}/s), {s['acked']} acknowledged as changed",
    )
    row("  save latency", f"p50 {s['p50_ms']:.1f} ms  p95 {s['p95_ms']:.1f} ms")
    row(
        "  AnswerChange rows written / acknowledged",
        f"{s['changes']} / {s['acked']}  (final value ≠ last acknowledged: {s['mismatched']})",
    )
    row(
        "  errors", f"{s['errors']}" + (f"  e.g. {s['error_kinds'][0][:60]}" if s["errors"] else "")
    )
    if s["errors"] and server.last_error():
        row("  server log", server.last_error()[:120])
    if s["alive"]:
        row("  threads still running at the end", str(s["alive"]))
    return [
        Aim("autosave soak errors", s["errors"], 0, unit=""),
        Aim("autosave soak writes lost", s["lost"], 0, unit=""),
    ]
