#!/usr/bin/python3
"""PyTorch peer of bench_mann's BM_TrainBatched/mann_shipped.

One training step of the memory-augmented network (Santoro et al. 2016) at the
size the page's memory lab ships (scripts/make-web-checkpoints.sh): 16 episodes
of 5 ways x 10 presentations (50 steps) of 14 x 14 glyphs, an LSTM controller
of 100 units fed [x_t, one-hot y_{t-1}, r_{t-1}], memory 64 x 32 per episode,
4 read heads with LRUA writes, written as MetaLab's core/learners/mann.cpp
computes a step:

  z = [x, y_prev] Wx + b + h Wh + r Wr;  i, f, g, o gates;  c, h
  p = h Wheads + b:  keys, adds = tanh(.), gate = sigmoid(.), beta = softplus(.)
  w_w = w_lu + gate (w_r_prev - w_lu);  M = M with its least-used slot zeroed + w_w^T adds
  w_r = softmax(beta cos(keys, M));  r = w_r M;  usage = 0.95 usage + sum(w_r + w_w)
  w_lu = 1 on the 4 least-used slots (constants);  logits = [h, r] Wo + bo

BPTT over the whole episodes, cross-entropy at every step, gradient norm
clipped at 10, one Adam step (lr 1e-3). Float32, one thread; random inputs
and labels (values do not change the work).
"""
import peer

import torch
import torch.nn.functional as F


def main():
    args = peer.arguments(__doc__, iters=10, warmup=2).parse_args()
    torch.manual_seed(args.seed)
    B, T, D, C, H, N, M, R = 16, 50, 196, 5, 100, 64, 32, 4
    gamma, eps = 0.95, 1e-6

    def xavier(rows, cols, fan_in, fan_out):
        a = (6.0 / (fan_in + fan_out)) ** 0.5
        return torch.empty(rows, cols).uniform_(-a, a).requires_grad_()

    inp = D + C
    wx = xavier(inp, 4 * H, inp + R * M, H)
    wr = xavier(R * M, 4 * H, inp + R * M, H)
    wh = xavier(H, 4 * H, H, H)
    bias = torch.zeros(4 * H)
    bias[H:2 * H] = 1.0
    bias.requires_grad_()
    heads_out = R * (2 * M + 2)
    wheads = xavier(H, heads_out, H, heads_out)
    bheads = torch.zeros(heads_out, requires_grad=True)
    wo = xavier(H + R * M, C, H + R * M, C)
    bo = torch.zeros(C, requires_grad=True)
    params = [wx, wr, wh, bias, wheads, bheads, wo, bo]
    opt = torch.optim.Adam(params, lr=1e-3)

    x = torch.rand(T, B, D)
    labels = torch.randint(0, C, (T, B))
    prev = torch.zeros(T, B, C)
    prev[1:] = F.one_hot(labels[:-1], C).float()
    inputs = torch.cat([x, prev], dim=2)  # [T, B, D + C], built once as MetaLab's sequence_inputs

    def least_used(usage):
        idx = usage.topk(R, dim=1, largest=False).indices  # [B, R]
        mask = torch.zeros(B, N).scatter_(1, idx, 1.0)
        return mask.unsqueeze(1).expand(B, R, N), idx[:, 0]

    def step():
        h = torch.zeros(B, H)
        c = torch.zeros(B, H)
        reads = torch.zeros(B, R * M)
        memory = torch.zeros(B, N, M)
        read_w = torch.zeros(B, R, N)
        usage = torch.zeros(B, N)
        lu, zero_slot = least_used(usage)
        rows = torch.arange(B)
        logits = []
        for t in range(T):
            z = torch.addmm(bias, inputs[t], wx) + h @ wh + reads @ wr
            gi, gf, gg, go = z.split(H, dim=1)
            c = torch.sigmoid(gf) * c + torch.sigmoid(gi) * torch.tanh(gg)
            h = torch.sigmoid(go) * torch.tanh(c)
            hp = torch.addmm(bheads, h, wheads)
            key_add = torch.tanh(hp[:, :2 * R * M])
            keys = key_add[:, :R * M].reshape(B, R, M)
            adds = key_add[:, R * M:].reshape(B, R, M)
            gate = torch.sigmoid(hp[:, 2 * R * M:2 * R * M + R]).reshape(B, R, 1)
            beta = F.softplus(hp[:, 2 * R * M + R:]).reshape(B, R, 1)
            write_w = lu + gate * (read_w - lu)
            keep = torch.ones(B, N, 1)
            keep[rows, zero_slot] = 0.0
            memory = memory * keep + torch.bmm(write_w.transpose(1, 2), adds)
            kn = keys / torch.sqrt((keys * keys).sum(-1, keepdim=True) + eps)
            mn = memory / torch.sqrt((memory * memory).sum(-1, keepdim=True) + eps)
            read_w = torch.softmax(beta * torch.bmm(kn, mn.transpose(1, 2)), dim=2)
            r = torch.bmm(read_w, memory)
            reads = r.reshape(B, R * M)
            with torch.no_grad():
                usage = gamma * usage + read_w.sum(1) + write_w.sum(1)
                lu, zero_slot = least_used(usage)
            logits.append(torch.addmm(bo, torch.cat([h, reads], dim=1), wo))
        loss = F.cross_entropy(torch.cat(logits), labels.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 10.0)
        opt.step()
        return loss.item()

    peer.time_steps("mann", step, args)


if __name__ == "__main__":
    main()
