#!/usr/bin/python3
"""PyTorch <-> MetaLab round trips of checkpoints (ctest label "torch").

  1. MetaLab -> torch: small `metalab train` runs (MAML on sinusoids with an MLP, MAML and
     ProtoNet on glyphs with Conv4, ProtoNet with an MLP, the memory network and its LSTM and
     feed-forward baselines) load in native/python/metalab_torch.py and give the same
     predictions as MetaLab on the tasks `metalab eval` samples (max abs difference < 1e-5,
     relative to the logits' scale for metric learners) and, for MAML, the same exact and
     first-order meta-gradients as `metalab inspect meta-gradient` (relative error < 1e-4).
     The tasks themselves: metalab_torch's reimplementation draws exactly MetaLab's (bitwise).
  2. torch -> MetaLab: native/python/metalab_train.py (MAML on sinusoids, ProtoNet on the
     page's glyph setup, ProtoNet + Conv4 with batch-norm statistics, ProtoNet on an image
     folder) writes checkpoints that `metalab eval` reads with the same query loss and
     accuracy as torch computes on the same episodes; from the same seed the torch run tracks
     `metalab train` (same initial weights and task stream); DistributedDataParallel over two
     gloo processes gives the weights of one process.
  3. Malformed or mismatched exports are refused by `metalab eval` with one line on stderr.

    /usr/bin/python3 tests/torch/roundtrip_test.py --metalab build/native-release/native/metalab \
        --probe build/native-release/tests/torch/metalab_torch_probe --work /tmp/torch-work
Exit status 0 pass, 1 fail, 77 skipped (torch missing; a failure with METALAB_REQUIRE_TORCH=1).
"""

import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REQUIRE = os.environ.get("METALAB_REQUIRE_TORCH") == "1"
try:
    import torch
except ImportError as e:  # scripts/test.sh requires the test to run
    print(f"{'FAIL' if REQUIRE else 'SKIP'}  torch is not importable by {sys.executable} ({e}); apt-get install "
          "python3-torch (scripts/setup.sh)", file=sys.stderr)
    sys.exit(1 if REQUIRE else 77)
sys.path.insert(0, os.path.join(ROOT, "native", "python"))
import metalab_torch as mt  # noqa: E402

PRED_TOL = 1e-5      # max abs difference of predictions (regression outputs, MAML logits)
GRAD_TOL = 1e-4      # relative error of meta-gradients, ||g_torch - g_metalab|| / ||g_metalab||
TRACK_TOL = 1e-4     # max abs difference of weights after a few iterations trained on both sides
DDP_TOL = 1e-5       # max abs difference of weights, 2 processes vs 1
LOSS_TOL = 1e-5      # relative difference of mean query losses, metalab eval vs torch

checks, measured = [], {}


class Failure(Exception):
    pass


def check(ok, what, detail=""):
    checks.append({"ok": bool(ok), "what": what, "detail": detail})
    print(f"{'ok  ' if ok else 'FAIL'}  {what}{f' ({detail})' if detail else ''}", flush=True)
    if not ok:
        raise Failure(what)


def run(cmd, expect=0):
    t0 = time.time()
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        raise Failure(f"{' '.join(map(str, cmd))} exited with {p.returncode}, expected {expect}:\n"
                      f"{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    print(f"      ran {os.path.basename(str(cmd[0]))} {' '.join(map(str, cmd[1:3]))} ... in {time.time() - t0:.1f} s",
          flush=True)
    return p


class Env:
    def __init__(self, a):
        self.metalab, self.probe, self.work = a.metalab, a.probe, a.work
        self.python = sys.executable
        self.trainer = os.path.join(ROOT, "native", "python", "metalab_train.py")

    def path(self, name):
        return os.path.join(self.work, name)

    def train(self, out, *flags):
        run([self.metalab, "train", *flags, "--val-every", "0", "--progress", "none", "--out", self.path(out)])
        return self.path(out)

    def torch_train(self, out, *flags):
        run([self.python, self.trainer, *flags, "--log-every", "0", "--threads", "1", "--out", self.path(out)])
        return self.path(out)

    def tasks(self, ckpt, n, seed, split="test"):
        out = self.path(os.path.basename(ckpt) + f".tasks{n}-{seed}-{split}")
        run([self.probe, "tasks", ckpt, out, "--tasks", n, "--seed", seed, "--split", split])
        f = mt.read_checkpoint(out)
        k = int(f.metadata["tasks"])
        ts = [mt.Task(*(f.get(f"{i}.{part}") for part in ("support_x", "support_y", "query_x", "query_y"))) for i in range(k)]
        return out, ts

    def predictions(self, ckpt, tasks_file, steps):
        out = self.path(os.path.basename(ckpt) + ".pred")
        run([self.probe, "predict", ckpt, tasks_file, out, "--steps", steps])
        return mt.read_checkpoint(out)


def with_classes(tasks, ways):
    for t in tasks:
        t.num_classes = ways
    return tasks


def same_tasks(ours, theirs):
    """Bitwise equality of every tensor of every task."""
    if len(ours) != len(theirs):
        return False
    for a, b in zip(ours, theirs):
        for part in ("support_x", "support_y", "query_x", "query_y"):
            x, y = getattr(a, part), getattr(b, part)
            if x.shape != y.shape or not torch.equal(x, y):
                return False
    return True


def max_abs(a, b):
    return (a.double() - b.double()).abs().max().item()


def rel_error(ours, theirs):
    num = sum(((ours[k].double() - theirs[k].double()) ** 2).sum().item() for k in theirs)
    den = sum((theirs[k].double() ** 2).sum().item() for k in theirs)
    return math.sqrt(num / den)


def compare_predictions(env, ckpt, tasks_file, tasks, steps, what, scale_relative=False):
    """torch (in double, so that the difference is MetaLab's float rounding; float32 is recorded
    too) against MetaLab's predictions after 0..steps adaptation steps."""
    theirs = env.predictions(ckpt, tasks_file, steps)
    result = {}
    for dtype in (torch.float64, torch.float32):
        learner = mt.Learner.from_checkpoint(ckpt).to(dtype)
        worst, scale = 0.0, 0.0
        for i, t in enumerate(tasks):
            ours = learner.adapt(t.to(dtype=dtype), steps)
            for s, p in enumerate(ours):
                q = theirs.get(f"{i}.pred.{s}")
                worst = max(worst, max_abs(p, q))
                scale = max(scale, q.abs().max().item())
        result[str(dtype).replace("torch.", "")] = worst
    worst = result["float64"]
    value = worst / scale if scale_relative else worst
    measured[what] = {"max_abs_difference_torch_float64": worst, "max_abs_difference_torch_float32": result["float32"],
                      "max_abs_value": scale}
    kind = "max abs difference / max abs logit" if scale_relative else "max abs difference"
    check(value < PRED_TOL, f"{what}: torch predicts what MetaLab predicts", f"{kind} {value:.2e} over {len(tasks)} "
          f"tasks x {len(ours)} step(s), values up to {scale:.3g}; torch in float32: {result['float32']:.2e}")
    return mt.Learner.from_checkpoint(ckpt)


def compare_meta_gradients(env, ckpt, task, what):
    task_json = env.path(os.path.basename(ckpt) + ".task.json")
    with open(task_json, "w") as f:
        json.dump({k: getattr(task, k).tolist() for k in ("support_x", "support_y", "query_x", "query_y")}, f)
    out = env.path(os.path.basename(ckpt) + ".grads")
    run([env.metalab, "inspect", "meta-gradient", "--checkpoint", ckpt, "--task", task_json, "--out", out])
    g = mt.read_checkpoint(out)
    learner = mt.Learner.from_checkpoint(ckpt).to(torch.float64)
    for order, first in (("second_order", False), ("first_order", True)):
        theirs = {k[len(order) + 1:]: v for k, v in g.tensors.items() if k.startswith(order + ".")}
        ours = learner.meta_gradient(task.to(dtype=torch.float64), first_order=first)
        check(set(ours) == set(theirs), f"{what}: {order} meta-gradient covers the same tensors", str(sorted(theirs)))
        err = rel_error(ours, theirs)
        norm = math.sqrt(sum((v.double() ** 2).sum().item() for v in theirs.values()))
        measured[f"{what} {order} meta-gradient"] = {"relative_error": err, "norm": norm}
        check(err < GRAD_TOL, f"{what}: {order.replace('_', '-')} meta-gradient equals `metalab inspect meta-gradient`",
              f"relative error {err:.2e}, norm {norm:.4g}")


def eval_json(env, ckpt, tasks, steps, seed):
    p = run([env.metalab, "eval", ckpt, "--tasks", tasks, "--steps", steps, "--seed", seed, "--json", "--no-scratch",
             "--no-baselines"])
    return json.loads(p.stdout)["learners"][0]


def compare_eval(env, ckpt, n, steps, seed, what):
    """metalab eval's mean loss / metric vs torch's on the same episodes (exported from MetaLab)."""
    j = eval_json(env, ckpt, n, steps, seed)
    _, tasks = env.tasks(ckpt, n, seed)
    learner = mt.Learner.from_checkpoint(ckpt)
    if learner.cfg["model"]["classification"]:
        with_classes(tasks, learner.cfg["model"]["output_dim"])
    ours = learner.evaluate(tasks, steps if learner.kind not in mt.METRIC_LEARNERS else 0)
    worst_loss, worst_metric = 0.0, 0.0
    for s, (loss, metric) in enumerate(ours):
        ml, mm = j["loss"][s]["mean"], j["metric"][s]["mean"]
        worst_loss = max(worst_loss, abs(loss - ml) / max(abs(ml), 1e-12))
        worst_metric = max(worst_metric, abs(metric - mm))
    cls = learner.cfg["model"]["classification"]
    measured[what] = {"metalab": [(r["mean"], m["mean"]) for r, m in zip(j["loss"], j["metric"])], "torch": ours,
                      "loss_relative_difference": worst_loss, "metric_difference": worst_metric}
    metric_tol = 1e-12 if cls else LOSS_TOL * max(abs(m["mean"]) for m in j["metric"])
    shown = ", ".join(f"{m:.4f}" for _, m in ours)
    check(worst_loss < LOSS_TOL and worst_metric <= metric_tol,
          f"{what}: `metalab eval` gives torch's {'accuracy' if cls else 'MSE'} on the same {n} episodes",
          f"{'accuracy' if cls else 'MSE'} by step {shown}; loss relative difference {worst_loss:.1e}, "
          f"metric difference {worst_metric:.1e}")
    return ours


def weights_difference(a_file, b_file, skip=()):
    a, b = mt.read_checkpoint(a_file), mt.read_checkpoint(b_file)
    names = [n for n in a.tensors if not n.startswith("optim.") and n not in skip]
    missing = [n for n in names if n not in b.tensors]
    if missing:
        raise Failure(f"{b_file} lacks {missing}")
    return max(max_abs(a.tensors[n], b.tensors[n]) for n in names), names


# ---------------------------------------------------------------------------- 1. MetaLab -> torch

def metalab_to_torch(env):
    # MAML on sinusoids, two inner steps (second-order terms through both).
    sin_flags = ["--learner", "maml", "--task", "sinusoid", "--hidden", "40,40", "--inner-steps", "2",
                 "--meta-batch", "5", "--seed", "3"]
    maml = env.train("maml-sinusoid.safetensors", *sin_flags, "--iterations", "40")
    tf, tasks = env.tasks(maml, 20, 11)
    src = mt.task_source(mt.Learner.from_checkpoint(maml).task_options)
    check(same_tasks(mt.sample_tasks(src, mt.TEST, 20, 11), tasks),
          "sinusoid: metalab_torch draws exactly the tasks `metalab eval --seed 11` draws", "20 tasks, bitwise")
    compare_predictions(env, maml, tf, tasks, 3, "MAML sinusoid MLP (0-3 SGD steps)")
    compare_meta_gradients(env, maml, tasks[0], "MAML sinusoid MLP (2 inner steps)")
    mine = env.torch_train("maml-sinusoid-torch.safetensors", *sin_flags, "--iterations", "40")
    d, _ = weights_difference(maml, mine)
    measured["MAML sinusoid: torch training vs metalab train, 40 iterations"] = d
    check(d < TRACK_TOL, "MAML sinusoid: metalab_train.py from --seed 3 tracks `metalab train --seed 3`",
          f"max abs weight difference {d:.2e} after 40 iterations of 5 tasks")

    # Meta-SGD (learned step sizes "lr.*") and ANIL (only the head adapts).
    for kind in ("metasgd", "anil"):
        ck = env.train(f"{kind}-sinusoid.safetensors", "--learner", kind, "--task", "sinusoid", "--hidden", "32,32",
                       "--meta-batch", "4", "--seed", "5", "--iterations", "20")
        tf, ts = env.tasks(ck, 10, 12)
        compare_predictions(env, ck, tf, ts, 3, f"{kind} sinusoid MLP (0-3 SGD steps)")
        compare_meta_gradients(env, ck, ts[1], f"{kind} sinusoid MLP")

    # MAML with Conv4 on 16 x 16 glyphs (batch statistics at every step).
    glyph_flags = ["--task", "glyphs", "--image-size", "16", "--task-option", "glyph_classes=40", "--ways", "3",
                   "--shots", "2", "--queries", "3", "--backbone", "conv4", "--seed", "2"]
    conv = env.train("maml-conv4.safetensors", "--learner", "maml", *glyph_flags, "--inner-lr", "0.1",
                     "--meta-batch", "2", "--iterations", "2")
    tf, tasks = env.tasks(conv, 4, 5)
    src = mt.task_source(mt.Learner.from_checkpoint(conv).task_options)
    check(same_tasks(mt.sample_tasks(src, mt.TEST, 4, 5), tasks),
          "glyphs: metalab_torch renders and samples exactly the episodes of `metalab eval --seed 5`",
          "4 episodes of 16 x 16 glyphs, bitwise")
    with_classes(tasks, 3)
    # 0 and 1 steps: the first step's gradient is taken at the checkpoint's weights, as the
    # meta-gradient is. Later steps start from fast weights that differ by rounding, and a 2x2
    # max-pool window whose two largest values are that close (glyphs have many equal background
    # values) routes the gradient to a different pixel in each implementation: both are valid
    # subgradients, and predictions after 2 steps then differ by up to 5e-2 (measured).
    compare_predictions(env, conv, tf, tasks, 1, "MAML glyphs Conv4 (0-1 SGD steps)")
    compare_meta_gradients(env, conv, tasks[0], "MAML glyphs Conv4")

    # ProtoNet with Conv4: running batch-norm statistics, evaluation mode.
    proto = env.train("protonet-conv4.safetensors", "--learner", "protonet", *glyph_flags, "--iterations", "6",
                      "--meta-batch", "2")
    tf, tasks = env.tasks(proto, 4, 5)
    with_classes(tasks, 3)
    learner = compare_predictions(env, proto, tf, tasks, 0, "ProtoNet glyphs Conv4 (running statistics)",
                                  scale_relative=True)
    check(abs(learner.model.bn0.running_var.mean().item() - 1.0) > 1e-3,
          "ProtoNet Conv4: the checkpoint's running statistics are used (not the initial ones)",
          f"bn0 mean running variance {learner.model.bn0.running_var.mean().item():.4f}")
    # Training on both sides from the same seed, with plain SGD and two small steps: a Conv4 has
    # tensors that get no gradient (conv biases under batch norm, weights behind a dead ReLU
    # channel), which Adam moves by +-lr on rounding noise in any two implementations; near-tied
    # max-pool windows route gradients apart (see above); large steps make the difference grow
    # chaotically (SGD 0.05: 5e-5 after 2 iterations, 8e-3 after 6).
    sgd = ["--outer-optimizer", "sgd", "--outer-lr", "0.01", "--iterations", "2", "--meta-batch", "2"]
    ref = env.train("protonet-conv4-sgd.safetensors", "--learner", "protonet", *glyph_flags, *sgd)
    mine = env.torch_train("protonet-conv4-sgd-torch.safetensors", "--learner", "protonet", *glyph_flags, *sgd)
    d, names = weights_difference(ref, mine)
    measured["ProtoNet Conv4 (SGD 0.01): torch training vs metalab train, 2 iterations"] = d
    check(d < TRACK_TOL and "bn3.running_var" in names and "bn3.running_mean" in names,
          "ProtoNet Conv4: metalab_train.py tracks `metalab train` (weights and running statistics)",
          f"max abs difference {d:.2e} after 2 iterations of 2 episodes, SGD 0.01")

    # Matching network with an MLP embedding (scaled cosine attention).
    match = env.train("matchingnet-mlp.safetensors", "--learner", "matchingnet", "--task", "glyphs", "--image-size",
                      "14", "--task-option", "glyph_classes=40", "--backbone", "mlp", "--hidden", "32,16",
                      "--iterations", "5")
    tf, tasks = env.tasks(match, 3, 2)
    compare_predictions(env, match, tf, with_classes(tasks, 5), 0, "MatchingNet glyphs MLP", scale_relative=True)

    # The memory network and its baselines: logits of whole sequences.
    seq = ["--task", "glyph-sequences", "--task-option", "glyph_size=8", "--task-option", "glyph_classes=60",
           "--task-option", "instances=4", "--meta-batch", "2", "--iterations", "2"]
    for learner, extra in (("mann", ["--hidden", "16", "--memory-slots", "12", "--memory-width", "6",
                                     "--read-heads", "2"]), ("lstm", ["--hidden", "16"]),
                           ("feedforward", ["--hidden", "16,8"])):
        ck = env.train(f"{learner}.safetensors", "--learner", learner, *seq, *extra)
        tf, tasks = env.tasks(ck, 3, 4)
        seq_file = env.path(f"{learner}.sequences")
        episodes = {}
        for i, t in enumerate(tasks):
            episodes[f"{i}.x"] = torch.cat([t.support_x, t.query_x])
            episodes[f"{i}.labels"] = torch.cat([t.support_y, t.query_y]).reshape(1, -1)
        mt.write_checkpoint(seq_file, episodes, {"episodes": str(len(tasks))})
        out = env.path(f"{learner}.logits")
        run([env.probe, "sequences", ck, seq_file, out])
        theirs = mt.read_checkpoint(out)
        model = mt.Learner.from_checkpoint(ck).model
        worst = 0.0
        with torch.no_grad():
            for i in range(len(tasks)):
                ours = model(episodes[f"{i}.x"].unsqueeze(0), episodes[f"{i}.labels"].long())[0]
                worst = max(worst, max_abs(ours, theirs.get(f"{i}.logits")))
        measured[f"{learner} sequence logits"] = worst
        check(worst < PRED_TOL, f"{learner}: torch's sequence logits equal MetaLab's",
              f"max abs difference {worst:.2e} over {len(tasks)} episodes of {episodes['0.x'].shape[0]} steps")
        # and the one-shot predictor `metalab eval` uses (support sequence, then each query)
        compare_predictions(env, ck, tf, with_classes(tasks, 5), 0, f"{learner} adapt (queries after the support)")
        resaved = env.path(f"{learner}-resaved.safetensors")
        mt.Learner.from_checkpoint(ck).save(resaved)
        d, _ = weights_difference(ck, resaved)
        check(d == 0.0, f"{learner}: saved back from torch, the tensors are unchanged", f"max abs difference {d}")


# ---------------------------------------------------------------------------- 2. torch -> MetaLab

def png_bytes(gray_rows):
    """An 8-bit grayscale PNG (filter 0)."""
    h, w = len(gray_rows), len(gray_rows[0])
    raw = b"".join(b"\x00" + bytes(r) for r in gray_rows)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def torch_to_metalab(env):
    # MAML on sinusoids, trained in torch, evaluated by metalab eval after 0-3 steps.
    sin = env.torch_train("torch-maml-sinusoid.safetensors", "--learner", "maml", "--task", "sinusoid",
                          "--meta-batch", "10", "--iterations", "300", "--seed", "4")
    compare_eval(env, sin, 100, 3, 5, "torch MAML sinusoid")
    export = env.path("torch-maml-sinusoid.exported.safetensors")
    run([env.metalab, "export", sin, export])
    check(os.path.getsize(export) > 0, "`metalab export` loads the torch checkpoint and writes a page copy")

    # DistributedDataParallel over two gloo processes: the weights (and running statistics) of one.
    for what, name, flags in (
            ("MAML", "ddp-maml", ["--learner", "maml", "--task", "sinusoid", "--meta-batch", "4", "--iterations", "20",
                                  "--seed", "6"]),
            ("ProtoNet Conv4", "ddp-protonet", ["--learner", "protonet", "--task", "glyphs", "--image-size", "16",
                                                "--task-option", "glyph_classes=40", "--ways", "3", "--queries", "2",
                                                "--backbone", "conv4", "--meta-batch", "2", "--iterations", "4"])):
        one = env.torch_train(f"{name}1.safetensors", *flags)
        two = env.torch_train(f"{name}2.safetensors", *flags, "--procs", "2")
        d, _ = weights_difference(one, two)
        measured[f"DDP {what}, 2 processes vs 1"] = d
        check(d < DDP_TOL, f"{what}: DistributedDataParallel on 2 gloo processes gives the weights of 1 process",
              f"max abs difference {d:.2e} after {flags[flags.index('--iterations') + 1]} iterations")
    compare_eval(env, two, 20, 0, 3, "torch ProtoNet Conv4 (DDP)")

    # ProtoNet on the page's glyph setup (14 x 14, 300 classes, seed 1, MLP 64-32).
    page = env.torch_train("torch-protonet-glyphs14.safetensors", "--learner", "protonet", "--task", "glyphs",
                           "--image-size", "14", "--task-option", "glyph_classes=300", "--task-option", "glyph_seed=1",
                           "--task-seed", "1", "--ways", "5", "--shots", "1", "--queries", "5", "--backbone", "mlp",
                           "--hidden", "64,32", "--meta-batch", "2", "--seed", "1", "--iterations", "150")
    acc = compare_eval(env, page, 100, 0, 7, "torch ProtoNet glyphs14 (the page's setup)")
    check(acc[0][1] > 0.35, "torch ProtoNet glyphs14 learned something (chance: 0.2)", f"accuracy {acc[0][1]:.3f}")

    # An image folder, read identically by both sides (PNG files written here from glyphs).
    root = env.path("images")
    shutil.rmtree(root, ignore_errors=True)
    cfg = mt.GlyphConfig(size=16)
    for c in range(12):
        os.makedirs(os.path.join(root, f"alphabet{c % 2}", f"char{c:02d}"))
        for i in range(6):
            img = mt.render_glyph(c, i, cfg, 3)
            rows = [[int(round(255 * v)) for v in img[y * 16:(y + 1) * 16].tolist()] for y in range(16)]
            with open(os.path.join(root, f"alphabet{c % 2}", f"char{c:02d}", f"{i}.png"), "wb") as f:
                f.write(png_bytes(rows))
    img_flags = ["--learner", "protonet", "--task", "images", "--images", root, "--image-size", "16", "--ways", "3",
                 "--queries", "3", "--backbone", "conv4", "--iterations", "2", "--seed", "2", "--outer-optimizer",
                 "sgd", "--outer-lr", "0.01"]
    imgs = env.torch_train("torch-protonet-images.safetensors", *img_flags)
    tf, tasks = env.tasks(imgs, 5, 3)
    src = mt.task_source(mt.Learner.from_checkpoint(imgs).task_options)
    check(same_tasks(mt.sample_tasks(src, mt.TEST, 5, 3), tasks),
          "images: metalab_torch reads the folder and samples exactly the episodes of `metalab eval`",
          "5 episodes, bitwise")
    compare_eval(env, imgs, 20, 0, 3, "torch ProtoNet image folder Conv4")
    mine = env.train("metalab-protonet-images.safetensors", *img_flags)
    d, _ = weights_difference(mine, imgs)
    measured["ProtoNet images (SGD 0.01): torch training vs metalab train, 2 iterations"] = d
    check(d < TRACK_TOL, "ProtoNet on the image folder: metalab_train.py tracks `metalab train`",
          f"max abs difference {d:.2e} after 2 episodes, SGD 0.01")
    return sin, page


# ---------------------------------------------------------------------------- 3. malformed exports

def malformed(env, sin, page):
    base = mt.read_checkpoint(sin)
    cases = []

    def variant(name, expect, tensors=None, metadata=None, raw=None):
        path = env.path(f"bad-{name}.safetensors")
        if raw is not None:
            with open(path, "wb") as f:
                f.write(raw)
        else:
            mt.write_checkpoint(path, tensors if tensors is not None else base.tensors,
                                metadata if metadata is not None else base.metadata)
        cases.append((name, path, expect))

    t = dict(base.tensors)
    t["layer0.weight"] = base.tensors["layer0.weight"].t().contiguous()  # torch's [out, in], not transposed
    variant("untransposed-weight", "layer0.weight", t)
    t = dict(base.tensors)
    del t["layer1.bias"]
    variant("missing-tensor", "layer1.bias", t)
    t = dict(base.tensors)
    t["layer2.weight"] = base.tensors["layer2.weight"].reshape(40, 1, 1)
    variant("extra-dimension", "layer2.weight", t)
    t = dict(base.tensors)
    t["layer1.weight"] = t["layer1.weight"].clone()
    t["layer1.weight"][3, 4] = float("nan")
    variant("nan-weight", "NaN", t)
    m = dict(base.metadata)
    m["model.hidden"] = "40,forty"
    variant("bad-hidden", "model.hidden", metadata=m)
    m = dict(base.metadata)
    del m["learner"]
    variant("no-learner", "learner", metadata=m)
    m = dict(base.metadata)
    m["model.hidden"] = "40,32"
    variant("hidden-mismatch", "layer1.weight", metadata=m)
    m = dict(base.metadata)
    m["model.input_dim"] = "3"
    t = {k: v for k, v in base.tensors.items() if not k.startswith("optim.m") and not k.startswith("optim.v")}
    t["layer0.weight"] = torch.zeros(3, 40)
    t["optim.step"] = torch.zeros(1, 1)
    variant("input-mismatch", "3 inputs", t, m)
    m = dict(base.metadata)
    m["iteration"] = "300.0"
    variant("float-iteration", "iteration", metadata=m)
    m = dict(base.metadata)
    m["inner_lr"] = "fast"
    variant("bad-number", "inner_lr", metadata=m)
    # dtype I64 (a raw torch state_dict's num_batches_tracked), and a non-string metadata value
    data = mt.safetensors_bytes(base.tensors, base.metadata)
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header["layer0.bias"]["dtype"] = "I32"
    variant("int-dtype", "I32", raw=rebuild(header, data[8 + n:]))
    header = json.loads(data[8:8 + n])
    header["__metadata__"]["inner_steps"] = 1
    variant("number-metadata", "inner_steps", raw=rebuild(header, data[8 + n:]))
    variant("truncated", "data_offsets", raw=data[:len(data) - 7])
    pg = mt.read_checkpoint(page)
    t = dict(pg.tensors)
    t["layer0.weight"] = pg.tensors["layer0.weight"][:100].contiguous()
    variant("protonet-wrong-input", "layer0.weight", t, pg.metadata)
    m = dict(pg.metadata)
    m["model.classification"] = "True"  # Python's str(True)
    variant("python-bool", "model.classification", pg.tensors, m)
    # Conv4 weights in torch's [C_out, C_in, 3, 3] layout, and a negative running variance
    conv = mt.read_checkpoint(env.path("torch-protonet-images.safetensors"))
    t = dict(conv.tensors)
    t["conv1.weight"] = mt.to_torch_layout("conv1.weight", conv.tensors["conv1.weight"])
    variant("torch-conv-layout", "conv1.weight", t, conv.metadata)
    t = dict(conv.tensors)
    t["bn2.running_var"] = -conv.tensors["bn2.running_var"]
    variant("negative-variance", "batch-norm", t, conv.metadata)
    t = dict(conv.tensors)
    t["bn0.running_mean"] = conv.tensors["bn0.running_mean"].reshape(64)[:32].reshape(1, 32)
    variant("short-running-mean", "bn0.running_mean", t, conv.metadata)

    for name, path, expect in cases:
        p = run([env.metalab, "eval", path, "--tasks", "3"], expect=None)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        ok = (p.returncode == 1 and len(lines) == 1 and lines[0].startswith("metalab eval: error:") and
              expect.lower() in lines[0].lower())
        check(ok, f"a malformed export ({name}) is refused with a one-line error naming the problem",
              f"exit {p.returncode}: {p.stderr.strip()[:300]}")


def rebuild(header, buffer):
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + bytes(buffer)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--metalab", required=True)
    p.add_argument("--probe", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--only", choices=["1", "2", "3"], help="run one part (2 and 3 share their checkpoints)")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    env = Env(a)
    torch.set_num_threads(1)
    t0 = time.time()
    code = 0
    try:
        if a.only in (None, "1"):
            metalab_to_torch(env)
        if a.only in (None, "2", "3"):
            sin, page = torch_to_metalab(env)
            malformed(env, sin, page)
        print(f"PASS  {len(checks)} checks in {time.time() - t0:.0f} s", flush=True)
    except Failure as e:
        code = 1
        if not checks or checks[-1]["ok"]:
            print(f"FAIL  {e}", file=sys.stderr)
    with open(os.path.join(a.work, "summary.json"), "w") as f:
        json.dump({"passed": code == 0, "checks": checks, "measured": measured}, f, indent=2, default=str)
    sys.exit(code)


if __name__ == "__main__":
    main()
