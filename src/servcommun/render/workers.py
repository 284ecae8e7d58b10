"""The PDF statements of a large bill, made by worker processes, in order.

fpdf2 spends some 15 ms on each statement (its line breaking, then cutting and writing
the font subsets), all of it Python: a 35 000-member service waits minutes on one core.
The statements are handed to a few worker processes in chunks, a few chunks ahead only,
and their PDFs come back in the bill's order, so that memory stays flat and the files
are the same, byte for byte, as those made in one process. Each worker parses the fonts
once; it ignores Ctrl-C, which the command handles (removing the unfinished folder).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from servcommun.engine.result import Statement
from servcommun.render.pdf import Issuer, statement_pdf

CHUNK = 25  # statements a worker makes in one go: a few kB of work sent, ~1 MB back
AHEAD = 3  # chunks under way or done per worker, ahead of the one being written
SERIAL_BELOW = 100  # fewer statements are made at once in this process
MOST_WORKERS = 4


def workers_available() -> int:
    """The cores this process may use, at most ``MOST_WORKERS``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MOST_WORKERS))


def statement_pdfs(
    statements: Sequence[Statement],
    year: int,
    issuer: Issuer,
    offers: Mapping[str, str],
    workers: int | None = None,
) -> Iterator[bytes]:
    """Each statement's PDF, in the order of ``statements``, made by ``workers``
    processes (as many as there are cores, by default) or, for a few statements or one
    core, in this process."""
    workers = workers_available() if workers is None else workers
    methods = multiprocessing.get_all_start_methods()
    if workers < 2 or len(statements) < SERIAL_BELOW or "forkserver" not in methods:
        for statement in statements:
            yield statement_pdf(statement, year, issuer, offers)
        return
    # a fresh server process that has imported the renderer forks the workers: they
    # neither start Python anew nor inherit this process's memory (the whole bill)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["servcommun.render.workers"])
    pool = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(year, issuer, dict(offers))
    )
    try:
        chunks = (
            tuple(statements[start : start + CHUNK]) for start in range(0, len(statements), CHUNK)
        )
        pending: deque[Future[list[bytes]]] = deque(
            pool.submit(_make, chunk) for chunk in islice(chunks, workers * AHEAD)
        )
        while pending:
            made = pending.popleft().result()
            for chunk in islice(chunks, 1):
                pending.append(pool.submit(_make, chunk))
            yield from made
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_year: int = 0
_issuer: Issuer | None = None
_offers: dict[str, str] = {}


def _start(year: int, issuer: Issuer, offers: dict[str, str]) -> None:
    """A worker's start: what every statement shares, and Ctrl-C left to the command."""
    global _year, _issuer, _offers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _year, _issuer, _offers = year, issuer, offers


def _make(chunk: tuple[Statement, ...]) -> list[bytes]:
    assert _issuer is not None, "a worker is started with _start"
    return [statement_pdf(statement, _year, _issuer, _offers) for statement in chunk]
