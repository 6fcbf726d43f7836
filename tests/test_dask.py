"""Extraction on Dask (issue 16): `kb build --scheduler` against a LocalCluster of two worker
processes stores what the process pool stores, reports a failing document by file name, and
survives a worker killed mid-build, storing nothing of a lost batch twice or by halves."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading
from pathlib import Path

import time

import pytest
from click.testing import CliRunner

from benchmarks.synthetic import write_corpus
from kb.build import build_paths
from kb.cli import cli
from kb.export import export_rows
from kb.workers import TEST_FAULT_ENV, DocumentTimeout, time_limit

import distributed  # dask[distributed] is in the test extra: without it these tests fail, not skip

CRASHER = "kb-test-kills-its-worker.md"  # a file of this name kills the worker extracting it
HANGER = "kb-test-hangs.md"  # one of this name hangs where the time limit cannot reach (signals blocked, C sleep)


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, forked from this process (fast to start and to
    restart after a kill), configured as `--scheduler local` configures its own cluster."""
    import dask

    previous = os.environ.get(TEST_FAULT_ENV)
    os.environ[TEST_FAULT_ENV] = f"crash:{CRASHER},hang:{HANGER}"  # the workers (and their replacements) inherit it
    try:
        with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                              "distributed.scheduler.worker-saturation": 1.0,
                              "distributed.worker.multiprocessing-method": "fork"}):
            with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                          host="127.0.0.1", dashboard_address="127.0.0.1:0", silence_logs=50) as local:
                yield local
    finally:
        if previous is None:
            os.environ.pop(TEST_FAULT_ENV, None)
        else:
            os.environ[TEST_FAULT_ENV] = previous


def corpus(tmp_path: Path, n: int) -> list[Path]:
    folder = write_corpus(tmp_path / "corpus", n, per_dir=10)
    return sorted(folder.rglob("*.md"))


def exported(db: Path) -> list[dict]:
    return list(export_rows(db))


def stored_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("select count(*) from kb_state").fetchone()[0] == 0  # the build finished
        return {r[0] for r in conn.execute("select id from documents")}
    finally:
        conn.close()


def test_a_dask_build_stores_what_the_process_pool_stores(tmp_path, cluster):
    files = corpus(tmp_path, 20)
    pool = build_paths([tmp_path / "corpus"], tmp_path / "pool.db", workers=2)
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "corpus"), "--db", str(tmp_path / "dask.db"),
                                      "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 0, result.output
    assert f"documents: {len(files)} new, 0 changed, 0 unchanged, 0 failed" in result.output
    assert f"{pool.statements} statements, {pool.events} events" in result.output
    rows = exported(tmp_path / "dask.db")
    assert rows and rows == exported(tmp_path / "pool.db")
    again = build_paths([tmp_path / "corpus"], tmp_path / "dask.db", scheduler=cluster.scheduler_address)
    assert (again.new, again.unchanged, again.failed) == (0, len(files), 0)  # the stored hashes reach the workers


def test_a_failing_document_is_reported_by_file_name_and_the_rest_stored(tmp_path, cluster):
    files = corpus(tmp_path, 12)
    broken = tmp_path / "corpus" / "0000" / "broken.json"
    broken.write_text('{"id": "half a record", ', encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", str(tmp_path / "corpus"), "--db", str(tmp_path / "kb.db"),
                                      "--scheduler", cluster.scheduler_address, "-q"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith(f"error: {broken}: "), result.output
    assert f"{len(files)} new, 0 changed, 0 unchanged, 1 failed" in result.output
    assert stored_ids(tmp_path / "kb.db") == {f.stem for f in files}


def test_a_file_that_kills_its_worker_is_reported_and_nothing_else_lost(tmp_path, cluster):
    files = corpus(tmp_path, 16)
    killer = files[7].with_name(CRASHER)
    files[7].rename(killer)
    report = build_paths([tmp_path / "corpus"], tmp_path / "kb.db", scheduler=cluster.scheduler_address)
    assert report.failed == 1 and report.new == len(files) - 1
    [(path, error)] = report.errors
    assert path == str(killer)
    assert error.startswith("the Dask worker died while extracting this file (KilledWorker")
    assert error.endswith("also when it was run again alone; not stored")
    assert stored_ids(tmp_path / "kb.db") == {f.stem for f in files} - {files[7].stem}


def test_a_document_stuck_past_its_budget_is_stopped_and_named(tmp_path, cluster):
    """Stuck where the timer's exception cannot reach it: the worker's watchdog tells the
    scheduler which document, then stops the worker; the build names it and stores the rest."""
    files = corpus(tmp_path, 10)
    stuck = files[4].with_name(HANGER)
    files[4].rename(stuck)
    report = build_paths([tmp_path / "corpus"], tmp_path / "kb.db", scheduler=cluster.scheduler_address,
                         document_timeout=1)
    assert report.errors == [(str(stuck), f"document {files[4].stem!r} took longer than 1 s to extract; its worker "
                                          "was stopped and the file not stored (raise the limit with kb build "
                                          "--document-timeout or KB_DOCUMENT_TIMEOUT)")]
    assert report.new == len(files) - 1
    assert stored_ids(tmp_path / "kb.db") == {f.stem for f in files} - {files[4].stem}


def test_a_worker_killed_mid_build_loses_nothing(tmp_path, cluster):
    """kill -9 of a worker while the writer is storing: Dask runs its batch again elsewhere."""
    files = corpus(tmp_path, 60)
    with distributed.Client(cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    stored: list[str] = []
    killed = threading.Event()

    def on_file(path: str, error: str | None) -> None:
        stored.append(path)
        if len(stored) == 5:  # mid-build: batches are in flight on both workers
            os.kill(victim, signal.SIGKILL)
            killed.set()

    report = build_paths([tmp_path / "corpus"], tmp_path / "kb.db", scheduler=cluster.scheduler_address,
                         on_file=on_file)
    assert killed.is_set()
    assert (report.new, report.failed, report.errors) == (len(files), 0, [])
    assert stored == [str(f) for f in files]  # each file once, in order
    assert stored_ids(tmp_path / "kb.db") == {f.stem for f in files}
    with distributed.Client(cluster.scheduler_address) as client:
        assert victim not in client.run(os.getpid).values()


def test_extract_batch_and_load_store_what_a_build_stores(tmp_path, cluster):
    corpus(tmp_path, 20)
    (tmp_path / "corpus" / "0001" / "bad.json").write_text("[", encoding="utf-8")
    build_paths([tmp_path / "corpus"], tmp_path / "built.db", workers=1)
    runner = CliRunner()
    out = tmp_path / "shards"
    result = runner.invoke(cli, ["extract-batch", str(tmp_path / "corpus"), "--out", str(out), "--shard-size", "8",
                                 "--scheduler", cluster.scheduler_address])
    assert result.exit_code == 1 and "bad.json" in result.output
    assert "files: 20 extracted, 1 failed, into 3 shards" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["shard-00000.jsonl", "shard-00001.jsonl", "shard-00002.jsonl"]
    result = runner.invoke(cli, ["load", str(out), "--db", str(tmp_path / "loaded.db")])
    assert result.exit_code == 1 and f"error: {tmp_path / 'corpus' / '0001' / 'bad.json'}: " in result.output
    assert "documents: 20 new, 0 changed, 0 unchanged, 1 failed" in result.output
    assert exported(tmp_path / "loaded.db") == exported(tmp_path / "built.db")
    again = runner.invoke(cli, ["load", str(out), "--db", str(tmp_path / "loaded.db")])
    assert "documents: 0 new, 0 changed, 20 unchanged, 1 failed" in again.output


def test_without_dask_the_option_says_what_to_install(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    result = CliRunner().invoke(cli, ["build", str(tmp_path), "--db", str(tmp_path / "kb.db"), "--scheduler", "local"])
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: --scheduler needs Dask (dask.distributed), which is not installed: "
                                     "pip install 'market-entry-kb[dask]'")
    assert not (tmp_path / "kb.db").exists()  # said before anything was written


def test_the_time_budget_stops_python_code_in_a_task_thread():
    """Dask runs tasks in threads, where no SIGALRM timer can be set: the budget is a timer
    thread raising DocumentTimeout in the task's thread, and nothing of it outlives the block."""
    outcome: list[str] = []

    def task() -> None:
        started = time.monotonic()
        try:
            with time_limit(0.3):
                while time.monotonic() - started < 5:
                    sum(range(1000))
            outcome.append("not stopped")
        except DocumentTimeout:
            outcome.append(f"stopped after {time.monotonic() - started:.1f} s")
        with time_limit(0.2):
            pass  # a block that ends in time: its timer is cancelled
        time.sleep(0.4)
        outcome.append("nothing raised later")

    thread = threading.Thread(target=task)
    thread.start()
    thread.join(10)
    assert outcome == ["stopped after 0.3 s", "nothing raised later"]


def test_any_engine_can_write_shards_for_kb_load(tmp_path):
    """The unit of work for another engine: kb.extract_batch.extract_shard on a chunk of files,
    here mapped by a Dask bag (threads), then one kb load of the folder."""
    import dask.bag

    from kb.build import iter_files
    from kb.extract_batch import extract_shard

    corpus(tmp_path, 12)
    files = [str(p) for p in iter_files([tmp_path / "corpus"])]
    chunks = [(n, files[i:i + 5]) for n, i in enumerate(range(0, len(files), 5))]
    counts = dask.bag.from_sequence(chunks, npartitions=3).map(
        lambda chunk: extract_shard(chunk[1], tmp_path / "shards" / f"part-{chunk[0]}.jsonl")
    ).compute(scheduler="threads")
    assert sorted(counts) == [2, 5, 5]
    result = CliRunner().invoke(cli, ["load", str(tmp_path / "shards"), "--db", str(tmp_path / "kb.db")])
    assert result.exit_code == 0, result.output
    assert "documents: 12 new, 0 changed, 0 unchanged, 0 failed" in result.output
    built = build_paths([tmp_path / "corpus"], tmp_path / "built.db", workers=1)
    assert built.new == 12 and exported(tmp_path / "kb.db") == exported(tmp_path / "built.db")


def test_scheduler_local_starts_and_closes_its_own_cluster(tmp_path):
    from kb.build import EXAMPLES

    result = CliRunner().invoke(cli, ["build", str(EXAMPLES), "--db", str(tmp_path / "dask.db"),
                                      "--scheduler", "local", "--workers", "1"])
    assert result.exit_code == 0, result.output
    built = build_paths([EXAMPLES], tmp_path / "built.db", workers=1)
    assert f"documents: {built.new} new, 0 changed, 0 unchanged, 0 failed" in result.output
    assert exported(tmp_path / "dask.db") == exported(tmp_path / "built.db")
