#!/usr/bin/python3
"""PyTorch peer of bench_maml's BM_MetaIteration/maml_second_order_1thread.

One exact second-order MAML meta-iteration in Finn et al. 2017's sinusoid
setup: MLP 1-40-40-1 with ReLU, 25 tasks of 10 support + 10 query points, one
inner SGD step (alpha 0.01) with create_graph=True, the mean query MSE over
the tasks, backward, one Adam step (lr 1e-3). The 25 tasks go through batched
matrix products (baddbmm on per-task copies of the weights): PyTorch's fastest
form on a CPU, several times faster than a Python loop over tasks. As in
MetaLab's benchmark the task batch is sampled once, outside the timing.
Float32, one thread. Adapted from the team's maml_sinusoid_torch.py --vectorized.
"""
import math

import peer

import torch


def forward_batched(params, x):
    """x: [T, N, in]; params [W0, b0, ...] with W: [T, in, out], b: [T, out]."""
    h = x
    layers = len(params) // 2
    for i in range(layers):
        h = torch.baddbmm(params[2 * i + 1].unsqueeze(1), h, params[2 * i])
        if i < layers - 1:
            h = torch.relu(h)
    return h


def main():
    p = peer.arguments(__doc__, iters=300, warmup=30)
    p.add_argument("--first-order", action="store_true")
    args = p.parse_args()
    gen = torch.Generator().manual_seed(args.seed)
    sizes = [1, 40, 40, 1]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):  # PyTorch's nn.Linear init, as MetaLab's MLP
        bound = 1 / math.sqrt(fan_in)
        params.append(torch.empty(fan_in, fan_out).uniform_(-bound, bound, generator=gen).requires_grad_())
        params.append(torch.empty(fan_out).uniform_(-bound, bound, generator=gen).requires_grad_())
    opt = torch.optim.Adam(params, lr=1e-3)
    tasks, k, q, alpha = 25, 10, 10, 0.01
    amp = torch.empty(tasks, 1, 1).uniform_(0.1, 5.0, generator=gen)
    phase = torch.empty(tasks, 1, 1).uniform_(0.0, math.pi, generator=gen)
    x = torch.empty(tasks, k + q, 1).uniform_(-5.0, 5.0, generator=gen)
    y = amp * torch.sin(x - phase)
    xs, ys, xq, yq = x[:, :k], y[:, :k], x[:, k:], y[:, k:]

    def step():
        fast = [w.unsqueeze(0).expand(tasks, *w.shape) for w in params]
        support = ((forward_batched(fast, xs) - ys) ** 2).mean(dim=(1, 2))
        grads = torch.autograd.grad(support.sum(), fast, create_graph=not args.first_order)
        fast = [w - alpha * g for w, g in zip(fast, grads)]
        loss = ((forward_batched(fast, xq) - yq) ** 2).mean(dim=(1, 2)).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    peer.time_steps("fomaml_sinusoid" if args.first_order else "maml_sinusoid", step, args)


if __name__ == "__main__":
    main()
