"""Shared by the PyTorch peers of scripts/bench-native.sh: one thread, and timing.

Every peer times `--iters` calls of one step function after `--warmup` calls and
prints one JSON line: the mean CPU time of the calling thread per step in ms
(time.thread_time, as Google Benchmark's "CPU" column measures MetaLab's side),
the mean wall time, and the step count. CPU time, not wall time, because the
machine is shared: another process's time slices do not count against either
side. torch is imported here, after the thread count is pinned.
"""
import argparse
import json
import os
import time

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_v] = "1"

import torch  # noqa: E402

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


def arguments(description, iters=20, warmup=3):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--iters", type=int, default=iters, help="timed steps")
    p.add_argument("--warmup", type=int, default=warmup, help="untimed steps first")
    p.add_argument("--seed", type=int, default=0)
    return p


def time_steps(name, step, args):
    """Runs step() warmup + iters times; prints and returns the timing of the timed ones."""
    for _ in range(args.warmup):
        step()
    cpu0, wall0 = time.thread_time(), time.perf_counter()
    for _ in range(args.iters):
        step()
    cpu, wall = time.thread_time() - cpu0, time.perf_counter() - wall0
    out = {"case": name, "cpu_ms": 1e3 * cpu / args.iters, "wall_ms": 1e3 * wall / args.iters,
           "iters": args.iters, "torch": torch.__version__, "threads": torch.get_num_threads()}
    print(json.dumps(out), flush=True)
    return out
