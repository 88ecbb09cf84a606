#!/usr/bin/python3
"""PyTorch peer of bench_maml's BM_Conv4MetaIteration/maml_5way1shot_4tasks.

One exact second-order MAML meta-iteration on a Conv4 (Finn et al. 2017's
Omniglot network: 4 x [conv 3x3 64 with bias, batch norm with batch
statistics, ReLU, 2x2 max-pool], then a linear 64 -> 5 head), as MetaLab's
GradientMetaLearner computes it for 4 tasks of 5-way 1-shot with 15 queries
per class: per task, the support loss (5 images), its gradient with
create_graph=True, one inner SGD step (alpha 0.4) on every parameter, the
query loss (75 images) with the fast weights and its gradient with respect to
the initial parameters; the mean over the tasks, one Adam step (lr 1e-3).
Functional (F.conv2d, F.batch_norm with training=True), float32, one thread.
"""
import peer

import torch
import torch.nn.functional as F


def forward(p, x):
    h = x
    for i in range(4):
        w, b, g, beta = p[4 * i:4 * i + 4]
        h = F.conv2d(h, w, b, padding=1)
        h = F.batch_norm(h, None, None, g, beta, training=True)
        h = F.max_pool2d(F.relu(h), 2)
    return F.linear(h.flatten(1), p[16], p[17])


def main():
    args = peer.arguments(__doc__, iters=5, warmup=1).parse_args()
    torch.manual_seed(args.seed)
    ways, shots, queries, tasks, alpha = 5, 1, 15, 4, 0.4
    params = []
    cin = 1
    for _ in range(4):
        w = torch.empty(64, cin, 3, 3)
        torch.nn.init.kaiming_normal_(w)
        params += [w, torch.zeros(64), torch.ones(64), torch.zeros(64)]
        cin = 64
    head = torch.empty(ways, 64)
    torch.nn.init.xavier_uniform_(head)
    params += [head, torch.zeros(ways)]
    for p in params:
        p.requires_grad_()
    opt = torch.optim.Adam(params, lr=1e-3)
    batches = [[(torch.rand(ways * shots, 1, 28, 28), torch.rand(ways * queries, 1, 28, 28)) for _ in range(tasks)]
               for _ in range(2)]
    ys = torch.arange(ways).repeat_interleave(shots)
    yq = torch.arange(ways).repeat_interleave(queries)
    state = {"i": 0}

    def step():
        batch = batches[state["i"] % len(batches)]
        state["i"] += 1
        opt.zero_grad(set_to_none=True)
        total = 0.0
        for xs, xq in batch:
            support = F.cross_entropy(forward(params, xs), ys)
            grads = torch.autograd.grad(support, params, create_graph=True)
            fast = [p - alpha * g for p, g in zip(params, grads)]
            query = F.cross_entropy(forward(fast, xq), yq) / tasks
            query.backward()  # accumulates the task's meta-gradient, as MetaLab averages per-task gradients
            total += query.item()
        opt.step()
        return total

    peer.time_steps("maml_conv4", step, args)


if __name__ == "__main__":
    main()
