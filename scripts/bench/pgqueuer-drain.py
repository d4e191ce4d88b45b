#!/usr/bin/env python3
"""How fast PgQueuer 1.6 drains a filled queue with its defaults: the figure `make bench-router`
prints beside Switchyard's drain rate. Run it with the python from scripts/bench/pgqueuer-setup.sh:

    pgqueuer-drain.py --dsn POSTGRES_URL --jobs 20000 --batch-size 20 [--runs 1]

Each run: PgQueuer's tables emptied, --jobs no-op jobs for one entrypoint enqueued in one
statement, then one QueueManager over one asyncpg connection (AsyncpgDriver) drains them.
The rate is jobs / seconds from the consumer's start to the last job's completion.
stdout: `pgqueuer_version=<v>`, then one `pgqueuer_jobs_per_second=<n.n>` per run.
Progress and errors go to stderr; any failure exits non-zero.
"""
import argparse
import asyncio
import sys
import time

import asyncpg
import pgqueuer
from pgqueuer import AsyncpgDriver, Queries, QueueManager

ENTRYPOINT = "switchyard_bench_noop"


async def prepare(dsn: str, jobs: int) -> None:
    """Install PgQueuer's schema if missing, empty its tables, enqueue the jobs."""
    conn = await asyncpg.connect(dsn)
    try:
        queries = Queries(AsyncpgDriver(conn))
        # PgQueuer's own installer (what `pgq install` runs): tables in the connection's
        # search_path, normally public, of the DSN's database.
        if not await queries.schema_is_installed():
            await queries.install()
            print("pgqueuer-drain: installed PgQueuer's schema", file=sys.stderr)
        await queries.clear_queue()
        await queries.clear_queue_log()
        await queries.clear_statistics_log()
        # The list form of enqueue is one INSERT ... unnest(...) for all jobs.
        await queries.enqueue([ENTRYPOINT] * jobs, [None] * jobs, [0] * jobs)
        # Start from clean buffers, as Switchyard's drain does; skipped without the privilege.
        try:
            await conn.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            pass
    finally:
        await conn.close()


async def drain(dsn: str, jobs: int, batch_size: int) -> float:
    """Run one QueueManager until --jobs completions; return jobs per second."""
    conn = await asyncpg.connect(dsn)
    try:
        queries = Queries(AsyncpgDriver(conn))
        qm = QueueManager(queries)
        done = 0
        last = 0.0

        @qm.entrypoint(ENTRYPOINT)
        async def noop(job: pgqueuer.Job) -> None:
            nonlocal done, last
            done += 1
            if done == jobs:
                last = time.perf_counter()
                qm.shutdown.set()  # run() returns after flushing its status-log buffer

        start = time.perf_counter()
        await qm.run(batch_size=batch_size)
        if done < jobs:
            raise RuntimeError(f"the queue manager stopped after {done} of {jobs} jobs")
        # Every job must have left the queue table once run() has flushed its buffers.
        left = await queries.queued_work([ENTRYPOINT])
        if left:
            raise RuntimeError(f"{left} jobs still queued after {jobs} completions")
        return jobs / (last - start)
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> None:
    for run in range(1, args.runs + 1):
        await prepare(args.dsn, args.jobs)
        rate = await drain(args.dsn, args.jobs, args.batch_size)
        print(f"pgqueuer_jobs_per_second={rate:.1f}", flush=True)
        print(f"pgqueuer-drain: run {run}/{args.runs} done", file=sys.stderr)


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive integer")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="postgres:// URL of the database to use")
    parser.add_argument("--jobs", type=positive, required=True)
    # Required: PgQueuer 1.6's own default (QueueManager.run, `pgq run`) is 10, not 20.
    parser.add_argument("--batch-size", type=positive, required=True)
    parser.add_argument("--runs", type=positive, default=1)
    args = parser.parse_args()
    print(f"pgqueuer_version={pgqueuer.__version__}", flush=True)
    # `pgq run` runs on uvloop when it is installed (a PgQueuer dependency off Windows); so do we.
    try:
        import uvloop
        run_loop = uvloop.run
    except ImportError:
        run_loop = asyncio.run
    try:
        run_loop(main(args))
    except Exception as error:
        sys.exit(f"pgqueuer-drain: failed: {type(error).__name__}: {error}")
