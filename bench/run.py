"""Time every case in-process and over HTTP, compare with the SQL floor and the targets.

Writes bench/results/<db>-<scale>.json and prints a table; the exit status is 1 when a target
is missed, so `make bench` fails loudly instead of printing a number nobody reads.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.cases import Case, build_cases, encode, time_floor
from lodestar.execution.models import ActionItem
from lodestar.goals.models import Goal, Measure
from lodestar.goals.rollup import rebuild_all
from lodestar.org.models import Department, Person
from lodestar.org.services import api_token_create
from lodestar.tracking.models import CheckIn

RESULTS = Path(__file__).resolve().parent / "results"
WARMUP = 3
RSS_TARGET_MB = 350
REBUILD_TARGET_S = 30


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": _ms(statistics.median(ordered)), "p95_ms": _ms(p95), "runs": len(ordered)}


def _token(person: Person) -> str:
    return api_token_create(actor=person.user, name="bench", days=1)[1]


def _session_cookie(person: Person) -> str:
    """A logged-in session for `person`, as the login view would create it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(person.user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = person.user.get_session_auth_hash()
    store.save()
    return store.session_key


def _client(case: Case, credentials: dict) -> Client:
    if case.api:
        return Client(HTTP_AUTHORIZATION=f"Bearer {credentials['token']}")
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = credentials["session"]
    return client


def _send(client: Client, method: str, path: str, body: dict | None):
    if method == "GET":
        return client.get(path)
    return client.generic(method, path, encode(body), content_type="application/json")


def time_in_process(cases: list[Case], credentials: dict, repeat: int) -> dict[str, dict]:
    """Each case's requests (and its SQL floor) timed in rounds: one request of every case per
    round, the floor right after its page. A shared machine's speed drifts over minutes; in
    rounds, a slow spell slows every case and its floor alike instead of one case's whole run."""
    clients = {case.name: _client(case, credentials[case.name]) for case in cases}
    samples: dict[str, list[float]] = {case.name: [] for case in cases}
    floors: dict[str, list[float]] = {case.name: [] for case in cases if case.floor_sql}
    for i in range(WARMUP + repeat):
        for case in cases:
            method, path, body = case.request(i)
            started = time.perf_counter()
            response = _send(clients[case.name], method, path, body)
            elapsed = time.perf_counter() - started
            if response.status_code not in (200, 201):
                raise SystemExit(
                    f"{case.name}: {method} {path} answered {response.status_code}: {response.content[:300]!r}"
                )
            if case.floor_sql:
                started = time.perf_counter()
                time_floor(case.floor_sql, case.floor_params)
                floor_elapsed = time.perf_counter() - started
            if i >= WARMUP:
                samples[case.name].append(elapsed)
                if case.floor_sql:
                    floors[case.name].append(floor_elapsed)
    results = {}
    for case in cases:
        # Queries are counted on one more request, not on the timed ones: capturing formats every
        # statement, which would add its own cost to the timings.
        with CaptureQueriesContext(connection) as captured:
            _send(clients[case.name], *case.request(WARMUP + repeat))
        results[case.name] = {
            "in_process": {**_summary(samples[case.name]), "queries": len(captured.captured_queries)}
        }
        if case.floor_sql:
            rows = time_floor(case.floor_sql, case.floor_params)
            results[case.name]["floor"] = {**_summary(floors[case.name]), "rows": rows}
    return results


def machine_speed_ms(runs: int = 5) -> float:
    """A fixed pure-Python workload (median of `runs`): the same code takes twice as long on a
    machine, or in a spell, half as fast. Recorded with every run so runs can be compared."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        samples.append(time.perf_counter() - started)
    return _ms(statistics.median(samples))


def _free_port(preferred: int) -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--worker-class", "sync", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(entry.name))
    return pids


def _memory_mb(pid: int) -> dict:
    status = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            status[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": status.get("VmRSS"), "peak_rss_mb": status.get("VmHWM")}


def time_over_http(
    cases: list[Case], credentials: dict[str, dict], repeat: int, port: int
) -> tuple[dict, dict]:
    port = _free_port(port)
    server = start_gunicorn(port)
    results = {}
    try:
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for case in cases:
            creds = credentials[case.name]
            headers = {"Host": "127.0.0.1"}
            if case.api:
                headers["Authorization"] = f"Bearer {creds['token']}"
            else:
                headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={creds['session']}"
            samples = []
            for i in range(WARMUP + repeat):
                # After the in-process requests (0 … WARMUP + repeat): a write gets subjects of its own.
                method, path, body = case.request(WARMUP + repeat + 1 + i)
                if body is not None:
                    headers["Content-Type"] = "application/json"
                started = time.perf_counter()
                connection_.request(method, path, body=encode(body), headers=headers)
                response = connection_.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                if response.status not in (200, 201):
                    raise SystemExit(f"{case.name} over HTTP: {method} {path} answered {response.status}")
                if i >= WARMUP:
                    samples.append(elapsed)
            results[case.name] = _summary(samples)
        memory = {pid: _memory_mb(pid) for pid in _worker_pids(server.pid)}
        worker = max(memory.values(), key=lambda m: m["rss_mb"] or 0) if memory else {}
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results, worker


def time_rebuild(runs: int = 3) -> dict:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        rebuild_all()
        samples.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(samples), 2), "max_s": round(max(samples), 2), "runs": runs}


def _row(name: str, result: dict) -> str:
    ours = result["in_process"]["median_ms"]
    floor = result.get("floor")
    ratio = f"{result['floor_ratio']:.1f}×" if floor else "—"
    http_ms = result.get("http", {}).get("median_ms", "—")
    verdict = "ok" if result["met"] else "MISSED"
    return (
        f"{name:<15} {ours:>9} {result['in_process']['p95_ms']:>9} {http_ms:>9} "
        f"{result['in_process']['queries']:>7} {ratio:>7} {result['target_ms']:>7}  {verdict}  {result['subject']}"
    )


def run_all(*, scale: str, db: str, repeat: int, http_port: int) -> int:
    if not Goal.objects.exists():
        raise SystemExit(
            "The bench database is empty: run `python -m bench generate` first (make bench does)."
        )
    # Planner statistics, also for indexes a migration added after the build: without them SQLite
    # chose a new index for the tree's floor query and the floor took 8 ms instead of 3.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    cases = build_cases(repeat)
    credentials: dict[str, dict] = {}
    for case in cases:
        credentials[case.name] = (
            {"token": _token(case.person)} if case.api else {"session": _session_cookie(case.person)}
        )
    report: dict = {
        "scale": scale,
        "db": db,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "data": {
            "departments": Department.objects.count(),
            "people": Person.objects.count(),
            "goals": Goal.objects.count(),
            "measures": Measure.objects.count(),
            "items": ActionItem.objects.count(),
            "checkins": CheckIn.objects.count(),
        },
        "cases": {},
    }
    print(f"Lodestar bench — scale {scale} on {db}: {report['data']}")
    report["machine"]["speed_ms_before"] = machine_speed_ms()
    timings = time_in_process(cases, credentials, repeat)
    for case in cases:
        result = {
            "title": case.title,
            "subject": case.subject,
            "target_ms": case.target_ms,
            **timings[case.name],
        }
        if "floor" in result:
            result["floor_ratio"] = round(
                result["in_process"]["median_ms"] / max(result["floor"]["median_ms"], 0.01), 2
            )
            result["floor_ratio_target"] = case.floor_ratio
        report["cases"][case.name] = result
    http_results, worker_memory = time_over_http(cases, credentials, repeat, http_port)
    for name, timing in http_results.items():
        report["cases"][name]["http"] = timing
    for result in report["cases"].values():
        result["met"] = result["in_process"]["median_ms"] < result["target_ms"] and (
            "floor" not in result or result["floor_ratio"] <= result["floor_ratio_target"]
        )
    report["rebuild_all"] = {**time_rebuild(), "target_s": REBUILD_TARGET_S}
    report["rebuild_all"]["met"] = report["rebuild_all"]["median_s"] < REBUILD_TARGET_S
    from bench.appraisal import time_appraisal

    report["appraisal"] = time_appraisal()
    from bench.metric_import import time_metric_import

    report["metric_import"] = time_metric_import()
    from bench.table_export import time_table_export

    report["table_export"] = time_table_export()
    report["web_worker_memory"] = {**worker_memory, "target_mb": RSS_TARGET_MB}
    report["web_worker_memory"]["met"] = (worker_memory.get("rss_mb") or 0) < RSS_TARGET_MB
    report["bench_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report["machine"]["speed_ms_after"] = machine_speed_ms()

    print(f"{'case':<15} {'median':>9} {'p95':>9} {'http':>9} {'queries':>7} {'÷floor':>7} {'target':>7}")
    for name, result in report["cases"].items():
        print(_row(name, result))
    rebuild = report["rebuild_all"]
    print(
        f"rebuild_all     {rebuild['median_s']} s (target < {REBUILD_TARGET_S} s)  {'ok' if rebuild['met'] else 'MISSED'}"
    )
    appraisal = report["appraisal"]
    print(
        f"appraisal       close {appraisal.get('close_s')} s, start {appraisal.get('appraisals')} appraisals "
        f"{appraisal.get('start_s')} s, score {appraisal.get('score_median_s')} s "
        f"(target < {appraisal['target_s']} s)  {'ok' if appraisal['met'] else 'MISSED'}"
    )
    imported = report["metric_import"]
    print(
        f"metric import   {imported.get('rows')} rows in {imported.get('import_s')} s, peak RSS "
        f"{imported.get('peak_rss_mb')} MB (targets < 60 s, < 400 MB)  {'ok' if imported['met'] else 'MISSED'}"
    )
    exported = report["table_export"]
    print(
        f"table export    {exported.get('rows_written')} check-ins in {exported.get('export_s')} s, peak RSS "
        f"{exported.get('peak_rss_mb')} MB (targets < 20 s, < 300 MB)  {'ok' if exported['met'] else 'MISSED'}"
    )
    memory = report["web_worker_memory"]
    print(
        f"web worker RSS  {memory.get('rss_mb')} MB, peak {memory.get('peak_rss_mb')} MB "
        f"(target < {RSS_TARGET_MB} MB)  {'ok' if memory['met'] else 'MISSED'}"
    )
    machine = report["machine"]
    print(
        f"machine speed   {machine['speed_ms_before']} ms before, {machine['speed_ms_after']} ms after "
        "(a fixed Python loop: higher is slower; compare runs with it)"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{db}-{scale}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    print(f"written {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    missed = [name for name, r in report["cases"].items() if not r["met"]]
    missed += [
        k
        for k in ("rebuild_all", "appraisal", "metric_import", "table_export", "web_worker_memory")
        if not report[k]["met"]
    ]
    if missed:
        print("targets missed: " + ", ".join(missed))
        return 1
    return 0


def profile_case(name: str, *, show_sql: bool = False, times: int = 0) -> int:
    """Where a case spends its time: pyinstrument's call tree, then the slowest queries."""
    from pyinstrument import Profiler

    cases = {case.name: case for case in build_cases(repeat=5)}
    if name not in cases:
        raise SystemExit(f"Unknown case {name!r}; one of {', '.join(cases)}")
    case = cases[name]
    credentials = {"token": _token(case.person)} if case.api else {"session": _session_cookie(case.person)}
    client = _client(case, credentials)
    for i in range(WARMUP):
        _send(client, *case.request(i))
    if times:
        wall, cpu = [], []
        for i in range(times):
            started, started_cpu = time.perf_counter(), time.process_time()
            _send(client, *case.request(WARMUP + i))
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"{case.name}: wall median {_ms(statistics.median(wall))} ms, CPU median {_ms(statistics.median(cpu))} ms"
        )
        return 0
    profiler = Profiler(interval=0.0005)
    with CaptureQueriesContext(connection) as captured:
        profiler.start()
        response = _send(client, *case.request(WARMUP))
        profiler.stop()
    print(f"{case.name}: {response.status_code}, {len(captured.captured_queries)} queries")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if show_sql:
        for query in sorted(captured.captured_queries, key=lambda q: -float(q["time"])):
            print(f"{query['time']:>8}  {query['sql'][:400]}")
    return 0
