"""Serving read-only past one process: requests per second with 1 and 2 immutable Datasettes.

    python -m benchmarks.serve_readonly                           # the bundled examples
    python -m benchmarks.serve_readonly --statements 200000       # synthetic, 200,000 statements
    python -m benchmarks.serve_readonly --db kb.db --processes 1,2,4 --seconds 10

Builds a database from kb/examples (or a synthetic one with --statements, or takes --db), writes
its inspect file with `datasette inspect`, then for each count in --processes starts that many
`datasette serve -i DB --inspect-file FILE` processes on free ports, with kb serve's templates and
settings (kb.datasette_app.serve_args; kb's metadata and plugins come in as entry points, as for
any Datasette in the environment). --concurrency clients (asyncio, httpx) each request the pages
in turn for --seconds, spreading requests round-robin over the processes (what a load balancer
in front of them does, without its hop). Prints requests per second and p50 / p95 latency over
all pages; a page that is not HTTP 200 stops the run. The processes are stopped on exit.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.serve import _free_port, summarize

ROOT = Path(__file__).resolve().parent.parent


def pages(db_path: Path) -> list[str]:
    """The pages every client requests in turn: the statements table with a facet filter, the
    busiest company's page, a canned query for it."""
    with sqlite3.connect(db_path) as conn:
        busy = conn.execute("select company from statements group by company order by count(*) desc").fetchone()[0]
    name, q = db_path.stem, busy.replace(" ", "+")
    return [f"/{name}/statements?stance=plans", f"/-/company/{q}", f"/{name}/company_timeline?company={q}"]


def write_inspect_file(db_path: Path) -> Path:
    """`datasette inspect DB --inspect-file DB.inspect.json`: table counts for immutable serving."""
    inspect_file = db_path.with_suffix(".inspect.json")
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(db_path), "--inspect-file",
                    str(inspect_file)], check=True, cwd=ROOT)
    return inspect_file


@contextmanager
def servers(db_path: Path, inspect_file: Path, n: int) -> Iterator[list[str]]:
    """n `datasette serve -i` processes on free ports, as kb serve --immutable starts one; yields
    their base URLs once each answers, and stops them all on the way out."""
    import httpx

    from kb.datasette_app import serve_args

    procs, bases = [], []
    try:
        for _ in range(n):
            port = _free_port()
            args = serve_args(db_path, port=port, inspect_file=inspect_file)
            procs.append(subprocess.Popen([sys.executable, "-m", "datasette", *args], cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            bases.append(f"http://127.0.0.1:{port}")
        for proc, base in zip(procs, bases):
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    sys.exit(f"error: datasette on {base} exited: {proc.stderr.read().decode()[-500:]}")
                try:
                    httpx.get(f"{base}/-/versions.json", timeout=5)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        sys.exit(f"error: datasette on {base} did not answer within 60 s")
                    time.sleep(0.2)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


async def drive(bases: list[str], urls: list[str], concurrency: int, seconds: float) -> tuple[float, list[float]]:
    """`concurrency` clients requesting `urls` in turn, round-robin over `bases`, for `seconds`
    (after one warm-up round of every page on every process); returns the wall time and each
    request's latency."""
    import httpx

    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for base in bases:
            for url in urls:
                r = await client.get(base + url)
                if r.status_code != 200:
                    sys.exit(f"error: {base}{url} answered HTTP {r.status_code}")
        latencies: list[float] = []
        counter = itertools.count()  # round-robin over the processes
        end = time.perf_counter() + seconds

        async def client_loop(k: int) -> None:
            i = k
            while time.perf_counter() < end:
                n = next(counter)
                url = bases[n % len(bases)] + urls[i % len(urls)]
                t = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - t)
                if r.status_code != 200:
                    sys.exit(f"error: {url} answered HTTP {r.status_code}")
                i += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(client_loop(k) for k in range(concurrency)))
        return time.perf_counter() - t0, latencies


def build_db(db_path: Path, statements: int) -> None:
    """The bundled examples (statements 0) or a synthetic database of that many statements."""
    if statements:
        from benchmarks.serve import build_db as build_synthetic

        build_synthetic(db_path, statements)
    else:
        from kb.build import EXAMPLES, build_paths

        build_paths([EXAMPLES], db_path, workers=1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.serve_readonly", description=__doc__.split("\n")[0])
    ap.add_argument("--db", type=Path, help="a finished kb database to serve (default: build one in a temp folder)")
    ap.add_argument("--statements", type=int, default=0,
                    help="build a synthetic database of this many statements instead of the examples")
    ap.add_argument("--processes", default="1,2", help="process counts to measure, comma-separated")
    ap.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    ap.add_argument("--seconds", type=float, default=10, help="how long to drive each process count")
    args = ap.parse_args(argv)
    try:
        counts = [int(c) for c in args.processes.split(",")]
    except ValueError:
        sys.exit(f"error: --processes {args.processes!r}: give counts like 1,2")
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db
        if db_path is None:
            db_path = Path(tmp) / "kb.db"
            build_db(db_path, args.statements)
        elif not db_path.exists():
            sys.exit(f"error: --db {db_path}: no such file")
        inspect_file = write_inspect_file(db_path)
        urls = pages(db_path)
        print(f"{db_path.name}: {db_path.stat().st_size / 1e6:.1f} MB, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}; {args.concurrency} requests in flight, "
              f"{args.seconds:g} s per count; pages: {', '.join(urls)}")
        print("processes | requests/s | p50 ms | p95 ms\n--- | --- | --- | ---")
        for n in counts:
            with servers(db_path, inspect_file, n) as bases:
                wall, latencies = asyncio.run(drive(bases, urls, args.concurrency, args.seconds))
            p50, p95 = summarize(latencies)
            print(f"{n} | {len(latencies) / wall:,.0f} | {p50:,.1f} | {p95:,.1f}", flush=True)


if __name__ == "__main__":
    main()
