#!/usr/bin/python3
"""MetaLab's benchmarks beside their PyTorch peers, interleaved, on one core.

Run by scripts/bench-native.sh (which builds the benchmark programs first):
  /usr/bin/python3 native/bench/torch/compare.py --build build/native-release [--rounds 3] [--cases a,b]

Each round runs every case once on each side, MetaLab first, so both sides of a
ratio see the same load on this shared machine. Times are CPU time of the
working thread per step (Google Benchmark's "CPU" column; time.thread_time in
the peers), one thread on both sides. The table gives the range over rounds of
each side's time and of the per-round ratio PyTorch / MetaLab.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (benchmark program, benchmark name, min time s, peer script, peer args, target ratio, what)
CASES = {
    "protonet": ("bench_protonet", "BM_TrainingEpisode/protonet_5way1shot_q15", 2.0, "protonet_torch.py",
                 ["--iters", "10"], 2.0, "ProtoNet training episode, Conv4, 5-way 1-shot 15 queries (80 images)"),
    "maml": ("bench_maml", "BM_MetaIteration/maml_second_order_1thread", 1.0, "maml_sinusoid_torch.py",
             ["--iters", "300"], 10.0, "second-order MAML meta-iteration, sinusoid, 25 tasks (PyTorch: bmm)"),
    "mann": ("bench_mann", "BM_TrainShipped", 2.0, "mann_torch.py", ["--iters", "8"], None,
             "MANN training step, 16 episodes of 5 x 10, memory lab's shipped size"),
    "maml_conv4": ("bench_maml", "BM_Conv4MetaIteration/maml_5way1shot_4tasks", 3.0, "maml_conv4_torch.py",
                   ["--iters", "4"], None, "second-order MAML meta-iteration, Conv4, 4 tasks of 5-way 1-shot"),
}


def metalab_ms(build, program, name, min_time):
    exe = os.path.join(build, "native", program)
    out = subprocess.run([exe, f"--benchmark_filter=^{name}$", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True,
                         env=dict(os.environ, OMP_NUM_THREADS="1")).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b["name"] == name]
    if not runs:
        sys.exit(f"compare.py: {program} has no benchmark named {name}")
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[runs[0]["time_unit"]]
    return runs[0]["cpu_time"] * scale


def peer_ms(script, args):
    out = subprocess.run([sys.executable, os.path.join(HERE, script)] + args, check=True, capture_output=True,
                         text=True, env=dict(os.environ, OMP_NUM_THREADS="1")).stdout
    return json.loads(out.strip().splitlines()[-1])["cpu_ms"]


def span(values, fmt):
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else fmt.format(lo) + "-" + fmt.format(hi)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build/native-release")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cases", default=",".join(CASES), help="comma-separated: " + ", ".join(CASES))
    args = p.parse_args()
    cases = args.cases.split(",")
    for c in cases:
        if c not in CASES:
            sys.exit(f"compare.py: unknown case '{c}' (expected one of {', '.join(CASES)})")
    start = datetime.datetime.now()
    results = {c: [] for c in cases}
    for r in range(args.rounds):
        for c in cases:
            program, name, min_time, script, peer_args, _, _ = CASES[c]
            m = metalab_ms(args.build, program, name, min_time)
            t = peer_ms(script, peer_args)
            results[c].append((m, t))
            print(f"round {r + 1}/{args.rounds} {c}: MetaLab {m:.3f} ms, PyTorch {t:.3f} ms, ratio {t / m:.2f}",
                  file=sys.stderr, flush=True)
    end = datetime.datetime.now()
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"# {args.rounds} rounds, {start:%Y-%m-%d %H:%M}-{end:%H:%M}, load average at the end {load}; "
          "CPU ms per step, one thread; ratio = PyTorch / MetaLab")
    print(f"{'case':12s} {'MetaLab ms':>16s} {'PyTorch ms':>16s} {'ratio':>12s} {'target':>7s}  what")
    for c in cases:
        ms = [m for m, _ in results[c]]
        ts = [t for _, t in results[c]]
        ratios = [t / m for m, t in results[c]]
        fmt = "{:.3f}" if max(ms) < 10 else "{:.1f}"
        target = CASES[c][5]
        print(f"{c:12s} {span(ms, fmt):>16s} {span(ts, fmt):>16s} {span(ratios, '{:.2f}') + 'x':>12s} "
              f"{(str(target) + 'x') if target else '-':>7s}  {CASES[c][6]}")


if __name__ == "__main__":
    main()
