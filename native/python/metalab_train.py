#!/usr/bin/python3
"""Reference meta-training in PyTorch that writes a MetaLab checkpoint.

Trains MAML (exact second order: torch.autograd.grad(..., create_graph=True)),
first-order MAML or a prototypical network on MetaLab's own task definitions
(sinusoid regression, synthetic glyphs, or an image folder), reimplemented in
metalab_torch.py with MetaLab's seeded RNG. With the same flags and --seed, a
run starts from the same initial weights and draws the same task batches as
`metalab train`, so its first iterations track MetaLab's to float rounding;
the file it writes is read by `metalab eval`, `metalab inspect` and the page.

    /usr/bin/python3 native/python/metalab_train.py --learner maml --task sinusoid \\
        --iterations 70000 --out maml.safetensors
    /usr/bin/python3 native/python/metalab_train.py --learner protonet --task glyphs --image-size 28 \\
        --backbone conv4 --ways 5 --shots 1 --queries 15 --iterations 1000 --out protonet.safetensors
    # several processes (DistributedDataParallel; gloo on CPU, nccl on GPUs):
    /usr/bin/python3 native/python/metalab_train.py ... --procs 4 --device cuda
    # or launched by torchrun (one process per GPU; RANK, WORLD_SIZE, LOCAL_RANK from the environment;
    # Debian 12's launcher, torch 1.13 on Python 3.11, fails before starting workers: use --procs there):
    python3 -m torch.distributed.run --nproc_per_node 4 native/python/metalab_train.py ... --device cuda

The meta-batch is split across processes (it must divide evenly): each rank
draws the whole batch from the shared task stream and takes its contiguous
share, DDP averages the gradients, so the weights do not depend on the number
of processes (up to float rounding of the reduction). Nothing is downloaded.
"""

import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metalab_torch as mt  # noqa: E402

TRAIN_STREAM = 0x747261696E696E67  # core/learners/trainer.cpp: the training task stream's seed mix


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--learner", choices=["maml", "fomaml", "protonet"], default="maml")
    p.add_argument("--task", choices=["sinusoid", "glyphs", "images"], default="sinusoid")
    p.add_argument("--out", required=True, help="the MetaLab checkpoint to write (safetensors)")
    g = p.add_argument_group("task (the flags of `metalab train`)")
    g.add_argument("--support", type=int, default=10, help="sinusoid: K support points")
    g.add_argument("--query", type=int, default=10, help="sinusoid: query points")
    for name, default in (("ways", 5), ("shots", 1), ("queries", 15), ("test-ways", 0), ("test-shots", 0),
                          ("test-queries", 0)):
        g.add_argument("--" + name, type=int, default=default, help="classification episodes")
    g.add_argument("--image-size", type=int, default=28, help="glyphs and images: side in pixels")
    g.add_argument("--images", help="images: root folder, one folder of PNG images per class")
    g.add_argument("--task-seed", type=int, default=0, help="classification: seed of the class split")
    g.add_argument("--task-option", action="append", default=[], metavar="KEY=VALUE",
                   help="any other task setting, e.g. glyph_classes=300 glyph_seed=1 amplitude=0.1,5")
    m = p.add_argument_group("learner")
    m.add_argument("--backbone", choices=["auto", "mlp", "conv4"], default="auto")
    m.add_argument("--hidden", default="40,40", help="MLP hidden sizes")
    m.add_argument("--activation", choices=list(mt.ACTIVATIONS), default="relu")
    m.add_argument("--inner-lr", type=float, default=0.01)
    m.add_argument("--inner-steps", type=int, default=1)
    m.add_argument("--outer-lr", type=float, default=0.001)
    m.add_argument("--outer-optimizer", choices=["adam", "sgd"], default="adam",
                   help="the meta-optimizer (MetaLab's Adam and SGD equal torch's)")
    m.add_argument("--meta-batch", type=int, default=None, help="tasks per iteration (default 25; protonet 1)")
    m.add_argument("--grad-clip", type=float, default=0.0, help="global-norm clipping; 0 = off")
    m.add_argument("--distance", choices=["euclidean", "cosine"], default="euclidean")
    m.add_argument("--seed", type=int, default=0, help="initial weights and task stream, as metalab train --seed")
    r = p.add_argument_group("run")
    r.add_argument("--iterations", type=int, default=1000)
    r.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    r.add_argument("--procs", type=int, default=1, help="processes to spawn (DistributedDataParallel)")
    r.add_argument("--backend", default=None, help="torch.distributed backend (default: nccl on cuda, else gloo)")
    r.add_argument("--threads", type=int, default=0, help="torch CPU threads per process (0: torch's default)")
    r.add_argument("--log-every", type=int, default=100)
    a = p.parse_args(argv)
    if a.meta_batch is None:
        a.meta_batch = 1 if a.learner == "protonet" else 25
    return a


def build(a):
    """The task source and the learner config, as `metalab train` builds them from the same flags."""
    opts = {"name": a.task}
    if a.task == "sinusoid":
        opts.update(support=str(a.support), query=str(a.query))
    else:
        opts.update(ways=str(a.ways), shots=str(a.shots), queries=str(a.queries), test_ways=str(a.test_ways),
                    test_shots=str(a.test_shots), test_queries=str(a.test_queries), split_seed=str(a.task_seed))
        opts["glyph_size" if a.task == "glyphs" else "image_size"] = str(a.image_size)
        if a.task == "images":
            if not a.images:
                sys.exit("metalab_train: --task images needs --images DIR")
            opts["images"] = a.images
    for kv in a.task_option:
        k, eq, v = kv.partition("=")
        if not eq or not k:
            sys.exit(f"metalab_train: --task-option '{kv}': expected key=value")
        opts[k] = v
    src = mt.task_source(opts)
    if a.learner == "protonet" and not src.classification:
        sys.exit("metalab_train: --learner protonet needs classification episodes (--task glyphs or images)")
    conv = a.backbone == "conv4" or (a.backbone == "auto" and src.images)
    model = {"input_dim": src.input_dim, "output_dim": src.output_dim, "classification": src.classification,
             "hidden": [int(h) for h in a.hidden.split(",")], "activation": a.activation}
    if conv:
        model.update(backbone="conv4", image_height=src.bank.height, image_width=src.bank.width,
                     image_channels=src.bank.channels)
    cfg = mt.make_config(a.learner, inner_lr=a.inner_lr, inner_steps=a.inner_steps, outer_lr=a.outer_lr,
                         outer_optimizer=a.outer_optimizer, meta_batch=a.meta_batch, grad_clip=a.grad_clip, distance=a.distance, seed=a.seed,
                         first_order=a.learner == "fomaml", model=model)
    if src.classification:
        cfg["pretrain_classes"] = len(src.split[mt.TRAIN])
    return src, cfg


class MetaObjective(nn.Module):
    """One meta-iteration's loss on a list of tasks; wrapped in DDP it averages gradients across ranks."""

    def __init__(self, learner):
        super().__init__()
        self.learner = learner
        self.net = learner.model

    def forward(self, tasks):
        L = self.learner
        losses, metrics, bn_after = [], [], []
        for task in tasks:
            if L.kind == "protonet":
                out, y = self.episode_logits(task, bn_after), task.query_y
            else:
                fast = L.inner_loop(task, dict(self.net.named_parameters()), first_order=L.kind == "fomaml")
                out, y = self.net(task.query_x, fast), task.query_y
            losses.append(L.loss(out, y))
            metrics.append(L.metric(out.detach(), y))
        return torch.stack(losses).mean(), sum(metrics) / len(metrics), bn_after

    def episode_logits(self, task, bn_after):
        """ProtoNet: support and query through the network as one batch (batch norm statistics of the
        episode); each episode's update of the running statistics starts from the same point."""
        net = self.net
        ns = task.support_x.shape[0]
        conv = net.cfg["backbone"] == "conv4"
        emb = net.embed(torch.cat([task.support_x, task.query_x]), bn="update" if conv else "batch")
        if conv:
            bn_after.append([v.detach() for pair in net.updated_stats for v in pair])
        labels = mt.labels_of(task.support_y)
        return self.learner.classifier(emb[:ns], labels, int(task.num_classes))(emb[ns:])


def train(rank, world, a):
    distributed = world > 1
    device = torch.device(a.device)
    if device.type == "cuda" and device.index is None and distributed:  # one GPU per process on each node
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", rank)) % torch.cuda.device_count())
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if a.threads:
        torch.set_num_threads(a.threads)
    if distributed and not dist.is_initialized():
        dist.init_process_group(a.backend or ("nccl" if device.type == "cuda" else "gloo"), rank=rank, world_size=world)
    if a.meta_batch % world:
        raise SystemExit(f"metalab_train: --meta-batch {a.meta_batch} does not split over {world} processes")
    src, cfg = build(a)
    learner = mt.Learner(cfg, {k[5:]: v for k, v in src.description().items()})
    init = mt.metalab_init(cfg["model"], a.seed)  # metalab train's initial weights for this seed
    with torch.no_grad():
        for name, p in learner.model.named_parameters():
            p.copy_(mt.to_torch_layout(name, init[name]))
    learner.model.to(device)
    objective = MetaObjective(learner)
    model = nn.parallel.DistributedDataParallel(objective, device_ids=[device.index] if device.type == "cuda" else None,
                                                broadcast_buffers=False) if distributed else objective
    opt = (torch.optim.Adam if cfg["outer_optimizer"] == "adam" else torch.optim.SGD)(learner.model.parameters(),
                                                                                      lr=cfg["outer_lr"])
    stream = mt.Rng(a.seed ^ TRAIN_STREAM)
    per = a.meta_batch // world
    t0, running = time.time(), []
    for it in range(1, a.iterations + 1):
        batch = [src.sample(mt.TRAIN, stream) for _ in range(a.meta_batch)]
        mine = [t.to(device) for t in batch[rank * per:(rank + 1) * per]]
        loss, metric, bn_after = model(mine)
        opt.zero_grad(set_to_none=False)
        loss.backward()
        if cfg["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(learner.model.parameters(), cfg["grad_clip"])
        opt.step()
        if bn_after:  # metric learners: the mean of the episodes' running-statistic updates
            with torch.no_grad():
                stats = [b for i in range(cfg["model"]["conv_blocks"]) for b in
                         (getattr(learner.model, f"bn{i}").running_mean, getattr(learner.model, f"bn{i}").running_var)]
                for k, b in enumerate(stats):
                    b.copy_(sum(s[k] for s in bn_after))
                    if distributed:
                        dist.all_reduce(b)
                    b.div_(a.meta_batch)
        if distributed:
            stats = torch.tensor([loss.item(), metric], device=device)
            dist.all_reduce(stats)
            lval, mval = (stats / world).tolist()
        else:
            lval, mval = loss.item(), metric
        if not math.isfinite(lval):
            raise SystemExit(f"metalab_train: the loss became {lval} at iteration {it} (training diverged)")
        running.append((lval, mval))
        if rank == 0 and a.log_every and (it % a.log_every == 0 or it == a.iterations):
            n = len(running)
            what = "accuracy" if cfg["model"]["classification"] else "MSE"
            print(f"iteration {it}/{a.iterations}: query loss {sum(r[0] for r in running) / n:.4f}, "
                  f"{what} {sum(r[1] for r in running) / n:.4f} ({time.time() - t0:.1f} s)", flush=True)
            running = []
    learner.iteration = a.iterations
    if rank == 0:
        learner.model.to("cpu")
        learner.save(a.out, opt)
        print(f"wrote {a.out}: {cfg['learner']} on {src.name} tasks, {a.iterations} iterations "
              f"(`metalab eval {a.out}` evaluates it)", flush=True)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


def _spawned(rank, world, a, port):
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ["MASTER_PORT"] = str(port)
    train(rank, world, a)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    if "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1:  # torchrun
        train(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), a)
    elif a.procs > 1:
        import socket
        with socket.socket() as s:  # a free local port for the rendezvous
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.spawn(_spawned, args=(a.procs, a, port), nprocs=a.procs, join=True)
    else:
        train(0, 1, a)


if __name__ == "__main__":
    try:
        main()
    except (ValueError, OSError, mt.CheckpointError) as e:  # bad data or settings: one line
        sys.exit(f"metalab_train: error: {e}")
