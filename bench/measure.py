"""What every benchmark here measures the same way: latency percentiles, the best time of a
few runs, and a free port."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable, Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN for no values): p95 of 20 samples is the 19th."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def best_ms(work: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs of `work`, in milliseconds (the least disturbed one)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000
