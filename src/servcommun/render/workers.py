"""The PDF statements of a large bill, made by worker processes, in order.

fpdf2 spends some 20 ms on each statement (its line breaking, then cutting and writing
the font subsets), all of it Python: a 35 000-member service would wait minutes on one
core. The statements are cut in chunks: this process makes one chunk in ``workers``
itself, worker processes the others, a few chunks ahead only, and the PDFs come in the
bill's order, so that memory stays flat and the files are the same, byte for byte, as
those made in one process. The workers are forked (on Linux) before the bill is read and
before any thread starts, the fonts parsed. They ignore Ctrl-C, which the command
handles (removing the unfinished folder).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import islice

from servcommun.render import pdf
from servcommun.render.pdf import Issuer, Letter, statement_pdf
from servcommun.render.statements import MakePdfs, one_by_one

CHUNK = 10  # statements a worker makes in one go: what an interruption waits for, at most
AHEAD = 3  # chunks under way or done per worker, ahead of the one being written
SERIAL_BELOW = 100  # fewer statements are made in this process
MOST_WORKERS = 4


def workers_available() -> int:
    """The cores this process may use, at most ``MOST_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MOST_WORKERS))


class Workers:
    """The processes that make statements, started: the PDFs of a bill of any size."""

    def __init__(self, pool: ProcessPoolExecutor | None, processes: int) -> None:
        self.pool = pool
        self.processes = processes  # this one and the pool's

    def maker(self, count: int) -> MakePdfs:
        """What makes the PDFs of ``count`` statements: this process alone for a few, or
        this one and the pool."""
        pool = self.pool
        if pool is None or count < SERIAL_BELOW:
            return one_by_one
        processes = self.processes

        def in_order(
            letters: Sequence[Letter], year: int, issuer: Issuer, offers: Mapping[str, str]
        ) -> Iterator[bytes]:
            return _made_in_order(pool, processes, letters, year, issuer, dict(offers))

        return in_order


@contextmanager
def statement_workers(workers: int | None = None) -> Iterator[Workers]:
    """``workers`` processes to make statements (one a core by default): this one and
    others started now, or this one alone on one core. Enter it before the bill is read
    and before any thread starts (a progress bar's, a writer's): the others are forked,
    and share with this process only its modules and the parsed fonts, not the bill (which
    this process's reading would copy, page by page, for them too)."""
    workers = workers_available() if workers is None else workers
    method = _start_method()
    if workers < 2 or method is None:
        yield Workers(None, 1)
        return
    pdf.parse_fonts()  # once, here: the forked workers share them
    pool = ProcessPoolExecutor(
        workers - 1, mp_context=multiprocessing.get_context(method), initializer=_start
    )
    try:
        pool.submit(_ready).result()  # every worker starts now (forked: all at once)
        yield Workers(pool, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_method() -> str | None:
    """``fork`` on Linux; elsewhere a fork server (macOS frameworks do not survive a
    fork), or none (Windows: the statements are made in this process)."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "fork" in methods:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def _made_in_order(
    pool: ProcessPoolExecutor,
    workers: int,
    letters: Sequence[Letter],
    year: int,
    issuer: Issuer,
    offers: dict[str, str],
) -> Iterator[bytes]:
    """The PDFs of ``letters`` in order: every ``workers``-th chunk made here, when its
    turn comes, the others by the pool, ahead."""
    chunks = enumerate(
        tuple(letters[start : start + CHUNK]) for start in range(0, len(letters), CHUNK)
    )
    pending: deque[tuple[Future[list[bytes]] | None, tuple[Letter, ...]]] = deque()

    def plan_next() -> None:
        for number, chunk in islice(chunks, 1):
            made_here = number % workers == 0
            made_there = None if made_here else pool.submit(_make, chunk, year, issuer, offers)
            pending.append((made_there, chunk))

    for _ in range(workers * AHEAD):
        plan_next()
    try:
        while pending:
            future, chunk = pending.popleft()
            plan_next()
            if future is None:
                yield from (statement_pdf(s, year, issuer, offers, r) for s, r in chunk)
            else:
                yield from future.result()
    finally:  # left early (an error, Ctrl-C): what is not begun is not made
        for future, _ in pending:
            if future is not None:
                future.cancel()


def _start() -> None:
    """A worker's start: Ctrl-C left to the command, and the collector on (a statement
    leaves cycles) for what the worker makes, not for what it inherits (collecting that
    would write to its pages, and copy them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    gc.enable()


def _ready() -> None:
    """A task that makes nothing: submitted first, it starts the workers."""


def _make(
    chunk: tuple[Letter, ...], year: int, issuer: Issuer, offers: dict[str, str]
) -> list[bytes]:
    return [statement_pdf(s, year, issuer, offers, recipient) for s, recipient in chunk]
