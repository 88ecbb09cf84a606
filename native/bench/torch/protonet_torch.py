#!/usr/bin/python3
"""PyTorch peer of bench_protonet's BM_TrainingEpisode/protonet_5way1shot_q15.

One prototypical-network training episode (Snell et al. 2017, Omniglot
setting): 5-way 1-shot with 15 queries per class, so 80 images of 28 x 28 x 1
go through a Conv4 (4 x [conv 3x3 64 with bias, batch norm with batch
statistics, ReLU, 2x2 max-pool]) together, as MetaLab does; prototypes are the
support embeddings' class means, logits the negative squared Euclidean
distances, the loss cross-entropy over the 75 queries; backward and one Adam
step (lr 1e-3). Float32, one thread. Episodes are random images cycled from a
pool of 8 (MetaLab cycles 8 glyph episodes); values do not change the work.
Adapted from the team's /work/shared/peers/protonet_torch.py.
"""
import peer

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


def main():
    args = peer.arguments(__doc__, iters=10, warmup=2).parse_args()
    torch.manual_seed(args.seed)
    ways, shots, queries = 5, 1, 15
    n = ways * (shots + queries)
    model = nn.Sequential(conv_block(1, 64), conv_block(64, 64), conv_block(64, 64), conv_block(64, 64), nn.Flatten())
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    pool = [torch.rand(n, 1, 28, 28) for _ in range(8)]
    yq = torch.arange(ways).repeat_interleave(queries)
    state = {"i": 0}

    def step():
        x = pool[state["i"] % len(pool)]
        state["i"] += 1
        z = model(x)
        protos = z[:ways * shots].view(ways, shots, -1).mean(1)
        logits = -((z[ways * shots:].unsqueeze(1) - protos.unsqueeze(0)) ** 2).sum(-1)
        loss = F.cross_entropy(logits, yq)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    peer.time_steps("protonet", step, args)


if __name__ == "__main__":
    main()
