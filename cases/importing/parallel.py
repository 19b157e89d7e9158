"""A CSV import by several processes, each reading, checking and writing parts of the file.

Reading and checking a row is Python (about 20 µs of the 30 the importer spends on a row), and
threads of one process take turns on the interpreter lock, so the work is split over processes
(docs/performance.md). This process only cuts the file into chunks of `batch_size` records and
keeps what must follow file order: which rows are duplicates of earlier rows, the explicit
numbers the day's sequences must skip, the rows' line numbers.

1. A chunk ends at a line where the count of quotes since the chunk began is even: in a
   well-formed file that is where a record ends, and finding it costs a byte count a line.
2. A worker parses its chunk with the csv module followed by a line no row holds (CHUNK_END):
   if that line comes out as a record of its own, the chunk stood alone, so it ended where the
   file read from the start would end a record. Otherwise (a stray quote misled the count) the
   worker reads on, doubling, until it does; the chunks it overlapped are then read again from
   where it ended, or skipped.
3. The worker checks its rows and sends their numbers and references; this process takes the
   chunks in file order, answers which rows an earlier row already holds (duplicates) and
   which numbers the file has given so far; the worker writes its rows (cases.importing.rows'
   batches, each one transaction) and takes the next chunk.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import multiprocessing
from collections.abc import Iterator
from multiprocessing.connection import wait
from pathlib import Path

from django.db import DatabaseError, IntegrityError, connection, connections

from civic.models import Region

from .rows import (
    FileKeys,
    ImportReport,
    ImportStopped,
    Resolver,
    RowChecker,
    copy_supported,
    import_in_turn,
    write_batch,
)

CHUNK_END = "\ufffecivic-chunk-end\ufffe"  # U+FFFE is no character: no row holds it
QUOTE = ord('"')


def possible(path: Path) -> bool:
    """Workers are forked with this process's state (settings, the checker's catalogues): a
    CSV file on PostgreSQL (SQLite takes one writer at a time), not inside a transaction
    (whose rows the workers could not see), where fork exists and this process may have
    children."""
    return (
        copy_supported()
        and path.suffix.lower() not in (".xlsx", ".xlsm")
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
        and not connection.in_atomic_block
    )


def chunks(handle, start: int, records: int) -> Iterator[tuple[int, int]]:
    """Byte ranges from `start`, each of `records` lines ending with an even count of quotes
    since its start (blank lines count): in a well-formed file, `records` records."""
    handle.seek(start)
    begin = position = start
    count = 0
    odd = False
    for line in handle:
        position += len(line)
        if line.count(QUOTE) & 1:
            odd = not odd
        if not odd:
            count += 1
            if count == records:
                yield begin, position
                begin, count = position, 0
    if position > begin:
        yield begin, position


def read_chunk(handle, start: int, end: int, size: int) -> tuple[list[tuple[int, list[str]]], int]:
    """The (line within the chunk, values) of the records in [start, end), and the offset where
    they end: `end`, or further if the chunk did not stand alone. Raises UnicodeDecodeError or
    csv.Error as reading the whole file would."""
    more = 0
    while True:
        handle.seek(start)
        data = handle.read(end - start)
        if more:
            data += b"".join(line for _, line in zip(range(more), handle, strict=False))
        stop = start + len(data)
        text = data.decode("utf-8-sig" if start == 0 else "utf-8")
        if stop >= size:  # the file's end: whatever the csv module makes of it, as in one pass
            reader = csv.reader(io.StringIO(text, newline=""))
            return [(reader.line_num, values) for values in reader], stop
        ending = "" if text.endswith(("\n", "\r")) else "\r\n"
        reader = csv.reader(io.StringIO(f"{text}{ending}{CHUNK_END}\r\n", newline=""))
        records = [(reader.line_num, values) for values in reader]
        if records and records[-1][1] == [CHUNK_END]:
            return records[:-1], stop
        more = max(1, 2 * more)


def import_csv(
    path: Path,
    report: ImportReport,
    *,
    default_region: Region | None,
    batch_size: int,
    workers: int,
) -> None:
    size = path.stat().st_size
    with path.open("rb") as handle:
        header_chunk = next(chunks(handle, 0, 1), None)
        if header_chunk is None:
            return  # an empty file
        records, header_end = read_chunk(handle, *header_chunk, size)
        if len(records) != 1:  # a header the quote count misjudged: read in one pass
            import_in_turn(path, report, default_region, batch_size, dry_run=False)
            return
        header_lines, header = records[0]
        checker = RowChecker(header, Resolver(default_region))
        pool = _Workers(workers, path, size, checker, batch_size)
        try:
            pool.run(chunks(handle, header_end, batch_size), header_end, header_lines, report)
        finally:
            pool.close()
    if pool.failure is not None:
        kind, message = pool.failure
        if kind == "unreadable":
            raise ValueError(message)
        if kind == "other":  # a defect, not the data nor the database
            raise RuntimeError(f"an import worker failed: {message}")
        # A worker that died (killed, out of memory) left its batch unwritten, like a failed one.
        exc = {"integrity": IntegrityError, "database": DatabaseError}.get(kind, DatabaseError)
        raise ImportStopped(exc(message), report)


def _failure(exc: BaseException) -> tuple[str, str]:
    """A worker's failure as (kind, message): exceptions do not always survive pickling
    (psycopg's hold their connection), and the reader needs only which kind and why."""
    if isinstance(exc, (UnicodeDecodeError, csv.Error)):
        return "unreadable", str(exc)
    if isinstance(exc, IntegrityError):
        return "integrity", str(exc)
    if isinstance(exc, DatabaseError):
        return "database", str(exc)
    return "other", f"{type(exc).__name__}: {exc}"


def _work(jobs, results, path: Path, size: int, checker: RowChecker, batch_size: int, stopped):
    """A worker: for each chunk sent, read and check it, report its rows' numbers and
    references, and on the answer write the rows that are not duplicates."""
    explicit: set[str] = set()  # the file's numbers so far, sent with the answers
    written = [0, 0]  # this chunk's (imported, duplicates), reported even if a batch fails
    try:
        with path.open("rb") as handle:
            while (job := jobs.recv()) is not None:
                written = [0, 0]
                answer, rows = _checked_chunk(jobs, results, handle, checker, *job, size)
                if answer is None:
                    return  # the reader stopped without an answer
                if answer[0] == "write":
                    _, repeated, numbers = answer
                    explicit.update(numbers)
                    repeated = set(repeated)
                    rows = [row for i, row in enumerate(rows) if i not in repeated]
                    for first in range(0, len(rows), batch_size):
                        if stopped.is_set():
                            break  # another worker failed: write nothing more
                        batch = rows[first : first + batch_size]
                        done, already = write_batch(batch, explicit=explicit, reserve_apart=True)
                        written[0] += done
                        written[1] += already
                results.send(("written", *written))
    except (EOFError, KeyboardInterrupt):
        pass  # the reader is gone or interrupted: the batch in progress rolls back
    except BaseException as exc:
        results.send(("failed", *written, *_failure(exc)))
    finally:
        connections.close_all()


def _checked_chunk(jobs, results, handle, checker: RowChecker, start: int, end: int, size: int):
    """Read and check [start, end), send the rows' keys, and return the reader's answer with the
    valid rows; read again from where the reader says when the chunk before read past `start`."""
    while True:
        records, stop = read_chunk(handle, start, end, size)
        rejected: list = []
        rows = list(checker.rows(records, rejected))
        lines = records[-1][0] if records else 0
        keys = [(row.number, row.external_ref) for row in rows]
        results.send(("checked", start, stop, lines, keys, rejected))
        answer = jobs.recv()
        if answer is None or answer[0] != "again":
            return answer, rows
        start = answer[1]


class _Workers:
    """The worker processes and the file-order bookkeeping between them."""

    def __init__(self, count: int, path: Path, size: int, checker: RowChecker, batch_size: int):
        context = multiprocessing.get_context("fork")
        # The children open their own connections: one inherited would be a socket shared by
        # two processes.
        connections.close_all()
        self.stopped = context.Event()
        self.failure: tuple[str, str] | None = None
        self.jobs = []
        self.results = []
        self.processes = []
        for i in range(count):
            jobs_in, jobs_out = context.Pipe(duplex=False)
            results_in, results_out = context.Pipe(duplex=False)
            process = context.Process(
                target=_child,
                args=(
                    [*self.jobs, *self.results, jobs_out, results_in],
                    (jobs_in, results_out, path, size, checker, batch_size, self.stopped),
                ),
                name=f"import-worker-{i}",
                daemon=True,
            )
            process.start()
            jobs_in.close()  # the child's ends, now only the child's: a worker that dies
            results_out.close()  # shows as the end of its results
            self.jobs.append(jobs_out)
            self.results.append(results_in)
            self.processes.append(process)

    def run(
        self, pending: Iterator[tuple[int, int]], start: int, lines: int, report: ImportReport
    ) -> None:
        count = len(self.processes)
        idle = list(range(count))
        holding: dict[int, int] = {}  # worker: the chunk it reads or writes
        ends: dict[int, int] = {}  # chunk: where it was cut
        checked: dict[int, tuple[int, tuple]] = {}  # chunk: (worker, its rows' keys), waiting
        sent = [0] * count  # per worker: how many of the file's numbers it was sent
        file_keys = FileKeys()
        cut = 0  # chunks cut so far
        turn = 0  # the next chunk in file order
        read_to = start  # where the chunks taken in order end: the next one must begin here
        line_base = lines

        def take(chunk: int, worker: int, message: tuple) -> None:
            nonlocal turn, read_to, line_base
            begin, stop, chunk_lines, keys, rejected = message
            if self.failure is not None or (begin < read_to and ends[chunk] <= read_to):
                answer(worker, ("skip",))  # stopping, or read whole by the chunk before
                turn += 1
                return
            if begin != read_to:  # the chunk before read past this one's beginning
                answer(worker, ("again", read_to))
                return
            repeated = [i for i, (number, ref) in enumerate(keys) if file_keys.repeats(number, ref)]
            report.duplicates += len(repeated)
            report.rejected += [(line_base + line, errors) for line, errors in rejected]
            line_base += chunk_lines
            read_to = stop
            turn += 1
            answer(worker, ("write", repeated, file_keys.numbered[sent[worker] :]))
            sent[worker] = len(file_keys.numbered)

        def answer(worker: int, message: tuple) -> None:
            with contextlib.suppress(OSError):  # a worker gone: its end of results says so
                self.jobs[worker].send(message)

        while True:
            while idle and self.failure is None and (piece := next(pending, None)):
                worker = idle.pop()
                self.jobs[worker].send(piece)
                holding[worker] = cut
                ends[cut] = piece[1]
                cut += 1
            if not holding:
                return
            busy = [self.results[w] for w in holding]
            for ready in wait(busy):
                worker = self.results.index(ready)
                try:
                    outcome, *values = ready.recv()
                except EOFError:
                    outcome, values = "failed", [0, 0, "exited", f"import-worker-{worker} exited"]
                if outcome == "checked":
                    checked[holding[worker]] = (worker, values)
                    while turn in checked or (self.failure is not None and checked):
                        chunk = turn if turn in checked else min(checked)
                        take(chunk, *checked.pop(chunk))
                    continue
                report.imported += values[0]
                report.duplicates += values[1]
                del holding[worker]
                if outcome == "written":
                    idle.append(worker)
                else:
                    self.failure = self.failure or (values[2], values[3])
                    self.stopped.set()
                    for chunk in sorted(checked):  # waiting for an answer: none comes
                        take(chunk, *checked.pop(chunk))

    def close(self) -> None:
        self.stopped.set()  # interrupted: the workers write nothing more
        for jobs in self.jobs:
            with contextlib.suppress(OSError):  # that worker is gone
                jobs.send(None)
            jobs.close()
        for process in self.processes:
            process.join()
        for results in self.results:
            results.close()


def _child(inherited, arguments) -> None:
    for handle in inherited:  # this process's ends of the pipes: with them closed, EOF
        handle.close()  # on a pipe means the other side is gone
    # What the worker inherited (Django, the models, the checker: ~118,000 objects) lives as
    # long as it does. Left in the collector's view, each full collection walked all of it and
    # wrote to pages shared with the parent, which the kernel then copied: 0.3 s of collection
    # a worker per 100,000 rows, and about 9 % of its CPU in all.
    gc.freeze()
    _work(*arguments)
