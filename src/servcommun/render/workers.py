"""The PDF statements of a large bill, made by worker processes, in order.

fpdf2 spends some 15 ms on each statement (its line breaking, then cutting and writing
the font subsets), all of it Python: a 35 000-member service would wait minutes on one
core. The statements are cut in chunks: this process makes one chunk in ``workers``
itself, worker processes the others, a few chunks ahead only, and the PDFs come in the
bill's order, so that memory stays flat and the files are the same, byte for byte, as
those made in one process. The workers are forked
(on Linux) once the bill is built and set aside from the collector, before any thread is
started: they share the bill's memory and the parsed fonts with the command instead of
copying them. They ignore Ctrl-C, which the command handles (removing the unfinished
folder).
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

from servcommun.engine.result import Statement
from servcommun.render import pdf
from servcommun.render.pdf import Issuer, statement_pdf
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


@contextmanager
def statement_makers(
    count: int,
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    workers: int | None = None,
) -> Iterator[MakePdfs]:
    """What makes the PDFs of ``count`` statements: ``workers`` processes (one a core by
    default: this one and others started now), or this process alone for a few
    statements or one core. Enter it before any thread starts (a progress bar's, a
    writer's): the other processes are forked."""
    workers = workers_available() if workers is None else workers
    method = _start_method()
    if workers < 2 or count < SERIAL_BELOW or method is None:
        yield one_by_one
        return
    pdf.parse_fonts()  # once, here: the forked workers share them
    # what this process holds is set aside from the collector before the fork: a worker's
    # collections would otherwise write to every object it inherits, copying their pages
    frozen_by_caller = gc.get_freeze_count() > 0
    gc.freeze()
    pool = ProcessPoolExecutor(
        workers - 1,
        mp_context=multiprocessing.get_context(method),
        initializer=_start,
        initargs=(year, issuer, dict(offers)),
    )
    try:
        pool.submit(_ready).result()  # every worker starts now (forked: all at once)
        if not frozen_by_caller:
            gc.unfreeze()  # the workers keep theirs

        def in_order(
            statements: Sequence[Statement], year: int, issuer: Issuer, offers: Mapping[str, str]
        ) -> Iterator[bytes]:
            return _made_in_order(pool, workers, statements, year, issuer, offers)

        yield in_order
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
    statements: Sequence[Statement],
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
) -> Iterator[bytes]:
    """The PDFs of ``statements`` in order: every ``workers``-th chunk made here, when
    its turn comes, the others by the pool, ahead."""
    chunks = enumerate(
        tuple(statements[start : start + CHUNK]) for start in range(0, len(statements), CHUNK)
    )
    pending: deque[tuple[Future[list[bytes]] | None, tuple[Statement, ...]]] = deque()

    def plan_next() -> None:
        for number, chunk in islice(chunks, 1):
            made_here = number % workers == 0
            pending.append((None if made_here else pool.submit(_make, chunk), chunk))

    for _ in range(workers * AHEAD):
        plan_next()
    try:
        while pending:
            future, chunk = pending.popleft()
            plan_next()
            if future is None:
                yield from (statement_pdf(s, year, issuer, offers) for s in chunk)
            else:
                yield from future.result()
    finally:  # left early (an error, Ctrl-C): what is not begun is not made
        for future, _ in pending:
            if future is not None:
                future.cancel()


_year: int = 0
_issuer: Issuer | None = None
_offers: dict[str, str] = {}


def _start(year: int, issuer: Issuer, offers: dict[str, str]) -> None:
    """A worker's start: what every statement shares, and Ctrl-C left to the command."""
    global _year, _issuer, _offers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _year, _issuer, _offers = year, issuer, offers


def _ready() -> None:
    """A task that makes nothing: submitted first, it starts the workers."""


def _make(chunk: tuple[Statement, ...]) -> list[bytes]:
    assert _issuer is not None, "a worker is started with _start"
    return [statement_pdf(statement, _year, _issuer, _offers) for statement in chunk]
