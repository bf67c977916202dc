"""Shared pieces of the benchmarks: the PyPI dataset, a real ``lumi serve``, percentiles,
tables, JSON results, and the memory and CPU time of the server's process tree.

Benchmarks run from the repository root as modules (``.venv/bin/python -m bench.enqueue``)
so that ``lumi`` and ``tests.support`` import from the working tree. The dataset is streamed
from its gzip file, never copied into the repository. Figures from a shared machine vary from
run to run, which is why every script can repeat itself and report the best and the median.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import os
import platform
import statistics
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.server import LumiServer  # noqa: E402

DATASET = Path(
    os.environ.get(
        "LUMI_BENCH_DATASET", REPO.parent / "shared" / "datasets" / "pypi-packages.ndjson.gz"
    )
)
RESULTS_DIR = REPO / "bench" / "results"
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# ---- dataset ---------------------------------------------------------------------------


def iter_lines(limit: int | None = None, path: Path = DATASET) -> Iterator[bytes]:
    """Raw NDJSON lines of the dataset (one document each, no trailing newline)."""
    with gzip.open(path, "rb") as file:
        for count, line in enumerate(file):
            if limit is not None and count >= limit:
                return
            line = line.strip()
            if line:
                yield line


def iter_documents(limit: int | None = None, path: Path = DATASET) -> Iterator[dict[str, Any]]:
    """The dataset's documents: id, name, version, released, year, rank, summary."""
    loads = orjson.loads
    for line in iter_lines(limit, path):
        yield loads(line)


# ---- statistics --------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default) over unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50.0)


def summarize(values_ms: Sequence[float]) -> dict[str, float]:
    """Count, mean and the percentiles every latency table shows, in milliseconds."""
    if not values_ms:
        return {"count": 0}
    return {
        "count": len(values_ms),
        "mean": statistics.fmean(values_ms),
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "max": max(values_ms),
    }


def best_and_typical(values: Sequence[float], *, higher_is_better: bool) -> tuple[float, float]:
    """The best of several repeats and their median, the two figures a shared machine allows."""
    best = max(values) if higher_is_better else min(values)
    return best, median(values)


# ---- the server ----------------------------------------------------------------------------


@contextlib.contextmanager
def start_server(data_dir: Path, *args: str, timeout: float = 60.0) -> Iterator[LumiServer]:
    """A ``lumi serve`` on a free loopback port over ``data_dir``, stopped (SIGTERM) on exit."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = LumiServer(data_dir, *args).start(timeout)
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.stop()


@dataclass(frozen=True, slots=True)
class ProcessMemory:
    """One process's memory in KiB; ``pss`` shares mapped pages fairly between processes."""

    pid: int
    role: str
    rss: int
    hwm: int
    rss_anon: int
    rss_file: int
    pss: int


def group_pids(pgid: int) -> list[int]:
    """Every live process whose process group is ``pgid``."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read_stat(int(entry))
        if stat is not None and int(stat[2]) == pgid:
            out.append(int(entry))
    return sorted(out)


def _read_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (state is index 0, ppid 1)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def _status_kb(pid: int) -> dict[str, int]:
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.startswith(("Vm", "Rss")):
                out[key] = int(value.split()[0])
    return out


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def process_role(pid: int) -> str:
    """What a process of a ``lumi serve`` tree is, from its command line and parent."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "gone"
    if "lumi.tasks.worker" in cmdline:
        return "scheduler"
    if "multiprocessing" in cmdline:
        return "mp resource tracker" if "resource_tracker" in cmdline else "scheduler pool"
    if "granian" in cmdline:
        stat = _read_stat(pid)
        parent = int(stat[1]) if stat else 0
        try:
            parent_cmd = Path(f"/proc/{parent}/cmdline").read_bytes()
        except OSError:
            parent_cmd = b""
        return "http worker" if b"granian" in parent_cmd else "http main"
    if " serve" in cmdline:
        return "supervisor"
    return cmdline[:40]


def group_memory(pgid: int) -> list[ProcessMemory]:
    """Resident memory of every process of a group (VmRSS, VmHWM, anon/file split, PSS)."""
    out = []
    for pid in group_pids(pgid):
        status = _status_kb(pid)
        if "VmRSS" not in status:
            continue
        out.append(
            ProcessMemory(
                pid=pid,
                role=process_role(pid),
                rss=status["VmRSS"],
                hwm=status.get("VmHWM", status["VmRSS"]),
                rss_anon=status.get("RssAnon", 0),
                rss_file=status.get("RssFile", 0) + status.get("RssShmem", 0),
                pss=_pss_kb(pid),
            )
        )
    return out


def memory_table(processes: list[ProcessMemory]) -> tuple[list[str], list[list[Any]]]:
    """Rows in MiB, one per process plus the tree's total."""
    headers = ["process", "pid", "RSS", "peak RSS", "anon", "file", "PSS"]
    rows: list[list[Any]] = []
    for p in processes:
        rows.append([p.role, p.pid, *(_mib(v) for v in (p.rss, p.hwm, p.rss_anon, p.rss_file))])
        rows[-1].append(_mib(p.pss))
    totals = [sum(getattr(p, f) for p in processes) for f in ("rss", "hwm", "rss_anon")]
    totals += [sum(p.rss_file for p in processes), sum(p.pss for p in processes)]
    rows.append(["whole tree", "", *(_mib(v) for v in totals)])
    return headers, rows


def memory_record(processes: list[ProcessMemory]) -> dict[str, Any]:
    return {
        "processes": [asdict(p) for p in processes],
        "total_rss_kib": sum(p.rss for p in processes),
        "total_pss_kib": sum(p.pss for p in processes),
        "total_anon_kib": sum(p.rss_anon for p in processes),
    }


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


def group_cpu_seconds(pgid: int) -> dict[int, tuple[str, float]]:
    """User+system CPU seconds used so far by each process of a group, with its role."""
    out = {}
    for pid in group_pids(pgid):
        stat = _read_stat(pid)
        if stat is None:
            continue
        seconds = (int(stat[11]) + int(stat[12])) / _CLOCK_TICKS
        out[pid] = (process_role(pid), seconds)
    return out


def cpu_delta(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """CPU seconds spent between two snapshots, summed per role."""
    out: dict[str, float] = {}
    for pid, (role, seconds) in after.items():
        spent = seconds - before.get(pid, (role, 0.0))[1]
        out[role] = out.get(role, 0.0) + spent
    return out


# ---- output --------------------------------------------------------------------------------


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
    """A plain, aligned text table; numbers right-aligned."""
    cells = [[fmt(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    if title:
        print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for raw, row in zip(rows, cells, strict=True):
        parts = []
        for value, cell, width in zip(raw, row, widths, strict=True):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            parts.append(cell.rjust(width) if numeric else cell.ljust(width))
        print("  ".join(parts).rstrip())
    sys.stdout.flush()


def machine_info() -> dict[str, Any]:
    """What the figures were measured on, and how busy the machine was at the time."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": round(mem_kb / 1024**2, 1),
        "load_average": list(os.getloadavg()),
        "python": platform.python_version(),
    }


def write_results(name: str, payload: dict[str, Any], results_dir: Path = RESULTS_DIR) -> Path:
    """Write ``payload`` with the machine's description as ``<name>-<UTC time>.json``."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{name}-{stamp}.json"
    document = {"benchmark": name, "machine": machine_info(), **payload}
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    print(f"\nresults written to {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return path
