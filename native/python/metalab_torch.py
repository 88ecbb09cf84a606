"""MetaLab checkpoints in PyTorch, and PyTorch-trained models back into MetaLab.

MetaLab (the C++ core, the `metalab` tool, the page) stores every learner as a
safetensors file: named float tensors plus a string `__metadata__` that records
the learner, its network and the task distribution it was trained on. This
module gives those networks as torch.nn modules with the same parameter names,
reads and writes the files (standard library + torch; Debian has no
`safetensors` package), and reimplements the task definitions MetaLab trains
on (its seeded RNG, the sinusoid family, the synthetic glyphs and N-way K-shot
episodes over glyphs or an image folder), so a run in PyTorch sees the tasks
MetaLab would have drawn. Only Debian's python3-torch is needed.

What maps to what (MetaLab layout -> torch layout):
  MLP  "layer<i>.weight" [in, out]      -> nn.Linear weight [out, in] (transposed)
       "layer<i>.bias" [1, out]         -> [out]
       activation after every layer but the last (relu, tanh, sigmoid, none)
  Conv4 "conv<i>.weight" [9*C_in, C_out], rows in (ky, kx, c_in) order
                                        -> nn.Conv2d weight [C_out, C_in, 3, 3], padding 1
       "bn<i>.weight/.bias" [1, C]      -> nn.BatchNorm2d weight/bias (eps 1e-5, momentum 0.1)
       "bn<i>.running_mean/_var" [1, C] -> its buffers (metric learners only; the MAML family
                                           normalises with batch statistics, train and test)
       2x2 max-pool (odd edges dropped), ReLU before the pool; images are pixel-major
       rows [N, H*W*C]; features are flattened as (y, x, c), so "head.weight" [F, ways]
       is nn.Linear(F, ways) on the NHWC-flattened features
  MANN "controller.weight_x" [D+C, 4H] + "controller.weight_r" [R*M, 4H]
                                        -> nn.LSTMCell weight_ih [4H, D+C+R*M] (gates i, f, g, o:
                                           the same order), "controller.weight_h" -> weight_hh,
                                           "controller.bias" -> bias_ih (bias_hh kept at 0)
       "heads.*", "output.*"            -> nn.Linear; the memory (content addressing, LRUA
                                           writes, usage) is written out in SequenceNet.forward
  Meta-SGD "lr.<name>" (same layout as the parameter), Adam state "optim.step",
       "optim.m.<i>", "optim.v.<i>" (i = parameter index, MetaLab layout).

    ckpt = read_checkpoint("maml.safetensors")         # tensors + metadata
    learner = Learner.from_checkpoint(ckpt)             # model, config, task settings
    preds = learner.adapt(task, steps=5)                 # predictions after 0..5 SGD steps
    g = learner.meta_gradient(task)                      # exact second-order, MetaLab layout
    learner.iteration = 1000
    learner.save("back.safetensors")                     # `metalab eval back.safetensors` reads it

Tasks: `task_source(learner.task_options)` rebuilds the distribution from the
checkpoint's "task.*" settings (sinusoid, glyphs, images); `sample_tasks(src,
split, n, seed)` draws what `metalab eval --tasks n --seed seed` draws.
"""

import ctypes
import json
import math
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

MASK64 = (1 << 64) - 1
PI = 3.14159265358979323846

# ----------------------------------------------------------------------------- safetensors

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2),
           "BF16": (torch.bfloat16, 2)}


class CheckpointError(ValueError):
    """A file that is not a readable MetaLab checkpoint (the message names it)."""


class Checkpoint:
    """Named tensors in MetaLab's layout (float32, shapes as in the file) and string metadata."""

    def __init__(self, tensors=None, metadata=None, source="<in-memory>"):
        self.tensors = dict(tensors or {})  # insertion order is the file's order
        self.metadata = dict(metadata or {})
        self.source = source

    def get(self, name):
        if name not in self.tensors:
            raise CheckpointError(f"checkpoint {self.source}: no tensor '{name}'")
        return self.tensors[name]


def read_checkpoint(path):
    """Parses a safetensors file (F32, F64, F16, BF16 tensors; converted to float32)."""
    with open(path, "rb") as f:
        data = f.read()
    return parse_safetensors(data, path)


def parse_safetensors(data, source="<bytes>"):
    def fail(why):
        raise CheckpointError(f"checkpoint {source}: {why}")
    if len(data) < 8:
        fail("too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        fail(f"header length {n} exceeds the file")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"header is not valid JSON ({e})")
    if not isinstance(header, dict):
        fail("header is not a JSON object")
    buffer = memoryview(data)[8 + n:]
    ckpt = Checkpoint(source=source)
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        fail("__metadata__ must map keys to strings")
    ckpt.metadata = dict(meta)
    for name, entry in header.items():
        if not isinstance(entry, dict):
            fail(f"tensor '{name}' is not an object")
        dtype = entry.get("dtype")
        if dtype not in _DTYPES:
            fail(f"tensor '{name}' has dtype {dtype!r} (readable: {', '.join(_DTYPES)})")
        torch_dtype, size = _DTYPES[dtype]
        try:
            shape = [int(d) for d in entry["shape"]]
            begin, end = (int(v) for v in entry["data_offsets"])
        except (KeyError, TypeError, ValueError):
            fail(f"tensor '{name}' needs a shape and data_offsets [begin, end]")
        count = math.prod(shape)
        if not 0 <= begin <= end <= len(buffer) or end - begin != count * size:
            fail(f"tensor '{name}': data_offsets [{begin},{end}] do not hold {shape} of {dtype}")
        raw = bytes(buffer[begin:end])
        t = torch.frombuffer(bytearray(raw), dtype=torch_dtype) if count else torch.zeros(0, dtype=torch_dtype)
        ckpt.tensors[name] = t.to(torch.float32).reshape(shape).clone()
    return ckpt


def safetensors_bytes(tensors, metadata):
    """The bytes of a safetensors file: F32 tensors in the given order, header padded to 8 bytes."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        t = t.detach().to("cpu", torch.float32).contiguous()
        if sys.byteorder == "little":
            raw = ctypes.string_at(t.data_ptr(), 4 * t.numel()) if t.numel() else b""
        else:
            raw = struct.pack(f"<{t.numel()}f", *t.reshape(-1).tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_checkpoint(path, tensors, metadata):
    """Writes path + '.tmp' and renames it over path (no half-written checkpoint)."""
    data = safetensors_bytes(tensors, metadata)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- MetaLab's RNG

def _splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class Rng:
    """core/common/rng.h: xoshiro256** seeded by splitmix64, with MetaLab's own distributions."""

    def __init__(self, seed=0):
        x = seed & MASK64
        self.s = []
        for _ in range(4):
            x, z = _splitmix64(x)
            self.s.append(z)
        self.spare = None

    def next_u64(self):
        s = self.s
        result = (_rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def uniform(self, lo=None, hi=None):
        u = (self.next_u64() >> 11) * 2.0 ** -53
        return u if lo is None else lo + (hi - lo) * u

    def below(self, n):
        limit = MASK64 - MASK64 % n
        while True:
            r = self.next_u64()
            if r < limit:
                return r % n

    def randint(self, lo, hi):
        return lo + self.below(hi - lo + 1)

    def normal(self, mean=0.0, sd=1.0):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return mean + sd * v
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                break
        m = math.sqrt(-2.0 * math.log(s) / s)
        self.spare = v * m
        return mean + sd * (u * m)

    def shuffle(self, v):
        for i in range(len(v), 1, -1):
            j = self.below(i)
            v[i - 1], v[j] = v[j], v[i - 1]


def _f32(values):
    """Doubles rounded to float32 as static_cast<float> does."""
    return torch.tensor(values, dtype=torch.float64).to(torch.float32)


def format_exact(v):
    """core/tasks/task_source.h: the shortest %g text that reads back as the same double."""
    for p in range(6, 18):
        s = "%.*g" % (p, v)
        if float(s) == v:
            return s
    return s


def _lround(x):
    """std::lround / std::round: halves away from zero."""
    f = math.floor(abs(x))
    r = f + 1 if abs(x) - f >= 0.5 else f
    return int(r if x >= 0 else -r)


# ----------------------------------------------------------------------------- tasks

class Task:
    """A support set to adapt on and a query set to judge (float32 rows; labels as floats)."""

    def __init__(self, support_x, support_y, query_x, query_y, num_classes=0):
        self.support_x, self.support_y = support_x, support_y
        self.query_x, self.query_y = query_x, query_y
        self.num_classes = num_classes

    def to(self, device=None, dtype=None):
        return Task(*(t.to(device=device, dtype=dtype) for t in (self.support_x, self.support_y, self.query_x,
                                                                   self.query_y)), self.num_classes)


TRAIN, VALIDATION, TEST = "train", "validation", "test"


class SinusoidTasks:
    """core/tasks/sinusoid.h: y = A sin(x + phi), A ~ U[amplitude], phi ~ U[phase], x ~ U[x]."""

    name = "sinusoid"
    classification = False
    images = False
    input_dim = output_dim = 1

    def __init__(self, support=10, query=10, amplitude=(0.1, 5.0), phase=(0.0, PI), x=(-5.0, 5.0)):
        self.support, self.query = support, query
        self.amplitude, self.phase, self.x = tuple(amplitude), tuple(phase), tuple(x)

    def sample(self, split, rng):
        a = rng.uniform(*self.amplitude)
        p = rng.uniform(*self.phase)
        def points(n):
            xs = [rng.uniform(*self.x) for _ in range(n)]
            return _f32(xs).reshape(n, 1), _f32([a * math.sin(v + p) for v in xs]).reshape(n, 1)
        sx, sy = points(self.support)
        qx, qy = points(self.query)
        return Task(sx, sy, qx, qy)

    def description(self):
        r = lambda t: format_exact(t[0]) + "," + format_exact(t[1])
        return {"task.name": "sinusoid", "task.support": str(self.support), "task.query": str(self.query),
                "task.amplitude": r(self.amplitude), "task.phase": r(self.phase), "task.x": r(self.x)}


# ---- synthetic glyphs (core/tasks/glyphs.cpp), rendered with the same double arithmetic

def _det_sin(x):
    x -= 2.0 * PI * _round_half_away(x / (2.0 * PI))
    x2 = x * x
    term = s = x
    for k in range(1, 14):
        term *= -x2 / float((2 * k) * (2 * k + 1))
        s += term
    return s


def _round_half_away(v):
    f = math.floor(v)
    if v >= 0:
        return f + 1.0 if v - f >= 0.5 else float(f)
    c = math.ceil(v)
    return c - 1.0 if c - v >= 0.5 else float(c)


def _det_cos(x):
    return _det_sin(x + 0.5 * PI)


def _mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _class_seed(seed, cls):
    return _mix64(_mix64(seed ^ 0x676C797068734131) ^ (cls & 0xFFFFFFFF))


def _instance_seed(seed, cls, inst):
    return _mix64(_class_seed(seed, cls) ^ _mix64((0x1A57A9CE + (inst & 0xFFFFFFFF)) & MASK64))


def _add(a, b):
    return (a[0] + b[0], a[1] + b[1])


def _sub(a, b):
    return (a[0] - b[0], a[1] - b[1])


def _scale(s, a):
    return (s * a[0], s * a[1])


def _bezier(c, t):
    u = 1.0 - t
    return _add(_add(_add(_scale(u * u * u, c[0]), _scale(3.0 * u * u * t, c[1])), _scale(3.0 * u * t * t, c[2])),
                _scale(t * t * t, c[3]))


def _line_stroke(a, b):
    d = _sub(b, a)
    return [a, _add(a, _scale(1.0 / 3.0, d)), _add(a, _scale(2.0 / 3.0, d)), b]


def _arc_stroke(center, r, a0, sweep):
    pieces = max(1, int(math.ceil(abs(sweep) / (0.5 * PI) - 1e-9)))
    step = sweep / pieces
    k = 4.0 / 3.0 * _det_sin(step / 4.0) / _det_cos(step / 4.0)
    a = a0
    p = (center[0] + r * _det_cos(a), center[1] + r * _det_sin(a))
    s = [p]
    for _ in range(pieces):
        b = a + step
        q = (center[0] + r * _det_cos(b), center[1] + r * _det_sin(b))
        ta, tb = (-_det_sin(a), _det_cos(a)), (-_det_sin(b), _det_cos(b))
        s += [_add(p, _scale(k * r, ta)), _sub(q, _scale(k * r, tb)), q]
        p, a = q, b
    return s


def _direction(rng, length):
    a = rng.uniform(0.0, 2.0 * PI)
    return (length * _det_cos(a), length * _det_sin(a))


class GlyphConfig:
    def __init__(self, size=28, strokes=(2, 4), stroke_width=0.08, jitter=0.035, width_jitter=0.25,
                 rotation=0.20, scale=0.10, shear=0.12, translation=0.06):
        self.size, self.strokes, self.stroke_width = size, strokes, stroke_width
        self.jitter, self.width_jitter, self.rotation = jitter, width_jitter, rotation
        self.scale, self.shear, self.translation = scale, shear, translation


def _make_glyph(cls, cfg, seed):
    rng = Rng(_class_seed(seed, cls))
    n = rng.randint(*cfg.strokes)
    g = []
    for s in range(n):
        if s > 0 and rng.uniform() < 0.65:
            prev = g[rng.below(len(g))]
            segments = (len(prev) - 1) // 3
            if rng.uniform() < 0.5:
                start = prev[0] if rng.uniform() < 0.5 else prev[-1]
            else:
                seg = rng.below(segments)
                start = _bezier(prev[3 * seg:3 * seg + 4], rng.uniform(0.15, 0.85))
        else:
            start = (rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5))
        kind = rng.uniform()
        if kind < 0.35:
            g.append(_line_stroke(start, _add(start, _direction(rng, rng.uniform(0.5, 1.1)))))
        elif kind < 0.55:
            r = rng.uniform(0.2, 0.45)
            a0 = rng.uniform(0.0, 2.0 * PI)
            sweep = rng.uniform(0.5 * PI, 1.7 * PI)
            sweep *= -1.0 if rng.uniform() < 0.5 else 1.0
            center = (start[0] - r * _det_cos(a0), start[1] - r * _det_sin(a0))
            g.append(_arc_stroke(center, r, a0, sweep))
        elif kind < 0.8:
            end = _add(start, _direction(rng, rng.uniform(0.5, 1.1)))
            c = _add(_scale(0.5, _add(start, end)), _direction(rng, rng.uniform(0.25, 0.6)))
            g.append([start, _add(start, _scale(2.0 / 3.0, _sub(c, start))), _add(end, _scale(2.0 / 3.0, _sub(c, end))),
                      end])
        else:
            p1 = _add(start, _direction(rng, rng.uniform(0.3, 0.8)))
            p2 = _add(start, _direction(rng, rng.uniform(0.3, 0.8)))
            p3 = _add(start, _direction(rng, rng.uniform(0.5, 1.0)))
            g.append([start, p1, p2, p3])
    xs = [p[0] for st in g for p in st]
    ys = [p[1] for st in g for p in st]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    extent = max(x1 - x0, y1 - y0, 1e-6)
    scale = min(max(extent, 0.9), 1.3) / extent
    mid = (0.5 * (x0 + x1), 0.5 * (y0 + y1))
    return [[_scale(scale, _sub(p, mid)) for p in st] for st in g]


def _render(g, size, width):
    hw = 0.5 * width * size
    reach = hw + 0.5
    to_px = lambda p: ((p[0] + 1.0) * 0.5 * size, (p[1] + 1.0) * 0.5 * size)
    seg_a, seg_b = [], []
    for st in g:
        for i in range(0, len(st) - 3, 3):
            c = [to_px(st[i + k]) for k in range(4)]
            poly = 0.0
            for k in range(3):
                e = _sub(c[k + 1], c[k])
                poly += math.sqrt(e[0] * e[0] + e[1] * e[1])
            pieces = min(max(int(math.ceil(poly / 1.5)), 2), 64)
            prev = c[0]
            for k in range(1, pieces + 1):
                nxt = _bezier(c, float(k) / pieces)
                seg_a.append(prev)
                seg_b.append(nxt)
                prev = nxt
    # Every segment over every pixel at once: outside a segment's bounding box
    # (where MetaLab does not look) the coverage is exactly 0.
    a = torch.tensor(seg_a, dtype=torch.float64)
    d = torch.tensor(seg_b, dtype=torch.float64) - a
    idx = torch.arange(size, dtype=torch.float64)
    px = (idx.repeat(size) + 0.5).unsqueeze(0) - a[:, :1]
    py = (idx.repeat_interleave(size) + 0.5).unsqueeze(0) - a[:, 1:]
    dx, dy = d[:, :1], d[:, 1:]
    len2 = dx * dx + dy * dy
    t = torch.where(len2 > 0, (px * dx + py * dy) / torch.where(len2 > 0, len2, torch.ones_like(len2)),
                    torch.zeros_like(px)).clamp(0.0, 1.0)
    ex, ey = px - t * dx, py - t * dy
    cov = (reach - torch.sqrt(ex * ex + ey * ey)).clamp(0.0, 1.0)
    return cov.max(dim=0).values.clamp(min=0.0).to(torch.float32) + 0.0


def render_glyph(cls, instance, cfg, seed):
    """One instance of one class: [size*size] float32 in [0, 1], row-major (y, x)."""
    g = _make_glyph(cls, cfg, seed)
    rng = Rng(_instance_seed(seed, cls, instance))
    j = 2.0 * cfg.jitter
    g = [[_add(p, (rng.normal(0.0, j), rng.normal(0.0, j))) for p in st] for st in g]
    width = cfg.stroke_width * (1.0 + rng.uniform(-cfg.width_jitter, cfg.width_jitter))
    theta = rng.uniform(-cfg.rotation, cfg.rotation)
    sx = 1.0 + rng.uniform(-cfg.scale, cfg.scale)
    sy = sx * (1.0 + rng.uniform(-0.5 * cfg.scale, 0.5 * cfg.scale))
    sh = rng.uniform(-cfg.shear, cfg.shear)
    shift = (2.0 * rng.uniform(-cfg.translation, cfg.translation), 2.0 * rng.uniform(-cfg.translation, cfg.translation))
    c, s = _det_cos(theta), _det_sin(theta)
    out = []
    for st in g:
        row = []
        for p in st:
            x, y = sx * (p[0] + sh * p[1]), sy * p[1]
            row.append(_add((c * x - s * y, s * x + c * y), shift))
        out.append(row)
    return _render(out, cfg.size, width)


def split_classes(n, train_fraction, validation_fraction, seed):
    """core/tasks/glyphs.cpp split_classes: ids shuffled by seed, cut into train/validation/test."""
    ids = list(range(n))
    Rng(seed).shuffle(ids)
    n_train = max(1, _lround(train_fraction * n))
    n_val = max(1, _lround(validation_fraction * n)) if validation_fraction > 0 else 0
    want_test = train_fraction + validation_fraction < 1 - 1e-9
    while n_train + n_val + (1 if want_test else 0) > n and (n_train > 1 or n_val > 1):
        if n_train >= n_val:
            n_train -= 1
        else:
            n_val -= 1
    n_train = min(n_train, n)
    n_val = min(n_val, n - n_train)
    return {TRAIN: ids[:n_train], VALIDATION: ids[n_train:n_train + n_val], TEST: ids[n_train + n_val:]}


def _choose(n, k, rng):
    scratch = list(range(n))
    for i in range(k):
        j = i + rng.below(n - i)
        scratch[i], scratch[j] = scratch[j], scratch[i]
    return scratch[:k]


class GlyphBank:
    """Glyph instances, rendered once and kept (cls, instance) -> pixels."""

    def __init__(self, classes, instances, size, seed):
        self.num_classes, self.instances, self.seed = classes, instances, seed
        self.config = GlyphConfig(size=size)
        self.height = self.width = size
        self.channels = 1
        self.cache = {}

    def class_size(self, cls):
        return self.instances

    def example(self, cls, i):
        key = (cls, i)
        if key not in self.cache:
            self.cache[key] = render_glyph(cls, i, self.config, self.seed)
        return self.cache[key]


class EpisodeSource:
    """core/tasks/episodes.h ClassificationSource: N-way K-shot episodes over a bank and a class split."""

    classification = True

    def __init__(self, name, bank, split, ways=5, shots=1, queries=15, test_ways=0, test_shots=0, test_queries=0,
                 options=None):
        self.name, self.bank, self.split = name, bank, split
        self.ways, self.shots, self.queries = ways, shots, queries
        self.test_ways, self.test_shots, self.test_queries = test_ways, test_shots, test_queries
        self.options = dict(options or {})
        self.images = bank.height > 0
        self.input_dim = bank.height * bank.width * bank.channels
        self.output_dim = max(ways, test_ways)
        self.usable = {}
        for s in (TRAIN, VALIDATION, TEST):
            need = self._shots(s) + self._queries(s)
            self.usable[s] = [c for c in split[s] if bank.class_size(c) >= need]
        for s in (TRAIN, TEST):
            if len(self.usable[s]) < self._ways(s):
                raise ValueError(f"{name}: the {s} split has {len(self.usable[s])} usable classes, fewer than "
                                 f"{self._ways(s)} ways")

    def _ways(self, s):
        return self.ways if s == TRAIN or self.test_ways == 0 else self.test_ways

    def _shots(self, s):
        return self.shots if s == TRAIN or self.test_shots == 0 else self.test_shots

    def _queries(self, s):
        return self.queries if s == TRAIN or self.test_queries == 0 else self.test_queries

    def sample(self, split, rng):
        pool = self.usable[split]
        n, k, q = self._ways(split), self._shots(split), self._queries(split)
        if len(pool) < n:
            raise ValueError(f"{self.name}: the {split} split has too few classes for {n}-way episodes")
        classes = [pool[i] for i in _choose(len(pool), n, rng)]
        sx, qx = [None] * (n * k), [None] * (n * q)
        for label, c in enumerate(classes):
            items = _choose(self.bank.class_size(c), k + q, rng)
            for j, item in enumerate(items):
                if j < k:
                    sx[label * k + j] = self.bank.example(c, item)
                else:
                    qx[label * q + j - k] = self.bank.example(c, item)
        labels = lambda m: torch.arange(n, dtype=torch.float32).repeat_interleave(m).reshape(-1, 1)
        return Task(torch.stack(sx), labels(k), torch.stack(qx) if q else torch.zeros(0, self.input_dim), labels(q), n)

    def description(self):
        d = {"task." + k: v for k, v in self.options.items()}
        d["task.name"] = self.name
        return d


def _png_pixels(path):
    """Decodes an 8-bit PNG (gray, gray+alpha, RGB, RGBA; 1/2/4/8-bit gray; palette) to rows of bytes."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG file (JPEG and other formats: convert to PNG first)")
    pos, idat, palette = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if interlace:
        raise ValueError(f"{path}: interlaced PNG is not supported")
    comps = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    if depth == 16 or (depth < 8 and color not in (0, 3)):
        raise ValueError(f"{path}: {depth}-bit PNG of color type {color} is not supported")
    raw = zlib.decompress(b"".join(idat))
    stride = (w * comps * depth + 7) // 8
    bpp = max(1, comps * depth // 8)
    rows, prev, p = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[p], bytearray(raw[p + 1:p + 1 + stride])
        p += 1 + stride
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    pixels = []
    for line in rows:
        if depth < 8:
            vals = [(line[x * depth // 8] >> (8 - depth - (x * depth) % 8)) & ((1 << depth) - 1) for x in range(w)]
            if color == 0:
                vals = [v * 255 // ((1 << depth) - 1) for v in vals]
            line, comps_here = vals, 1
        else:
            comps_here = comps
        if color == 3:
            line = [palette[3 * v + k] for v in line for k in range(3)]
            comps_here = 3
        pixels.append(list(line))
    return w, h, comps_here if color != 3 else 3, pixels


def _decode_image(path, want_channels=0):
    """stb_image's conversions: gray(+alpha) -> gray, RGB(A) -> RGB; 1 or 3 channels on request."""
    w, h, comps, rows = _png_pixels(path)
    base = 1 if comps <= 2 else 3
    out_c = want_channels or base
    vals = []
    for line in rows:
        for x in range(w):
            color = line[x * comps:x * comps + base]
            if out_c == 1 and base == 3:  # stb's luma: (77 r + 150 g + 29 b) >> 8
                color = [(color[0] * 77 + color[1] * 150 + color[2] * 29) >> 8]
            elif out_c == 3 and base == 1:
                color = color * 3
            vals.extend(color)
    return h, w, out_c, torch.tensor(vals, dtype=torch.float32) / 255.0


class ImageFolderBank:
    """core/io/images.h load_image_folder: ROOT/[group/]class/*.png, classes sorted by path, pixels / 255.

    Only images already at image_size x image_size are read (MetaLab's resampling is not reproduced);
    invert and 90-degree rotations (each a new class) as in MetaLab.
    """

    def __init__(self, root, image_size=28, invert=False, rotations=False):
        if not os.path.isdir(root):
            raise ValueError(f"{root}: not a folder (or cannot be opened)")
        classes = {}
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            for f in filenames:
                if f.startswith("."):
                    continue
                if rel == ".":
                    raise ValueError(f"{root}: '{f}' is not inside a class folder")
                classes.setdefault(rel, []).append(rel + "/" + f)
        if not classes:
            raise ValueError(f"{root}: no images (expected one folder of images per class)")
        rot = 4 if rotations else 1
        self.class_names, self.class_base, self.examples = [], [], []
        self.channels = 0
        for ci, cls in enumerate(sorted(classes)):
            for r in range(rot):
                self.class_names.append(cls if r == 0 else f"{cls}@{90 * r}")
                self.class_base.append(ci * rot)
                self.examples.append([])
            for path in sorted(classes[cls]):
                h, w, c, px = _decode_image(os.path.join(root, path), self.channels)
                if (h, w) != (image_size, image_size):
                    raise ValueError(f"{root}/{path}: {w}x{h} pixels; metalab_torch reads images already at "
                                     f"--image-size {image_size} (resize them first, e.g. with ImageMagick)")
                self.channels = self.channels or c
                if invert:
                    px = 1.0 - px
                img = px.reshape(image_size, image_size, c)
                for r in range(rot):
                    self.examples[ci * rot + r].append(img.reshape(-1).clone())
                    img = torch.rot90(img, -1, dims=(0, 1))  # clockwise: out(y, x) = in(s - 1 - x, y)
        self.height = self.width = image_size
        self.num_classes = len(self.class_names)

    def class_size(self, cls):
        return len(self.examples[cls])

    def example(self, cls, i):
        return self.examples[cls][i]


def _dataset_split(bank, train_fraction, validation_fraction, seed):
    """core/tasks/episodes.cpp make_class_split, the random case: split base classes, rotations follow."""
    bases = [c for c in range(bank.num_classes) if bank.class_base[c] == c]
    b = split_classes(len(bases), train_fraction, validation_fraction, seed)
    return {s: [c for i in b[s] for c in range(bank.num_classes) if bank.class_base[c] == bases[i]] for s in b}


def task_source(options):
    """A task distribution from "task.*" settings (keys without the prefix), as `metalab eval` builds it."""
    o = dict(options)
    name = o.pop("name", None)
    num = lambda k, d: float(o.get(k, d))
    if name == "sinusoid":
        rng = lambda k, d: tuple(float(v) for v in o.get(k, d).split(","))
        return SinusoidTasks(int(o.get("support", 10)), int(o.get("query", 10)), rng("amplitude", "0.1,5"),
                             rng("phase", "0," + repr(PI)), rng("x", "-5,5"))
    if name not in ("glyphs", "images"):
        raise ValueError(f"task '{name}': metalab_torch reimplements sinusoid, glyphs and images tasks")
    glyphs = name == "glyphs"
    ep = {k: int(o.get(k, d)) for k, d in (("ways", 5), ("shots", 1), ("queries", 15), ("test_ways", 0),
                                            ("test_shots", 0), ("test_queries", 0))}
    split_seed = int(o.get("split_seed", 0))
    tf, vf = num("train_fraction", 0.7 if glyphs else 0.6), num("validation_fraction", 0.1 if glyphs else 0.0)
    used = {k: str(v) for k, v in ep.items()}
    used.update(split_seed=str(split_seed), train_fraction=o.get("train_fraction", format_exact(tf)),
                validation_fraction=o.get("validation_fraction", format_exact(vf)))
    if glyphs:
        size, classes = int(o.get("glyph_size", 28)), int(o.get("glyph_classes", 1200))
        drawings, gseed = int(o.get("glyph_drawings", 20)), int(o.get("glyph_seed", 0))
        bank = GlyphBank(classes, drawings, size, gseed)
        split = split_classes(classes, tf, vf, split_seed)
        used.update(glyph_size=str(size), glyph_classes=str(classes), glyph_drawings=str(drawings),
                    glyph_seed=str(gseed))
    else:
        root = o.get("images")
        if not root:
            raise ValueError("task images: no image folder (task.images)")
        size = int(o.get("image_size", 28))
        flag = lambda k: o.get(k, "false") in ("true", "1")
        bank = ImageFolderBank(root, size, flag("invert"), flag("rotations"))
        split = _dataset_split(bank, tf, vf, split_seed)
        used.update(images=root, image_size=str(size), invert="true" if flag("invert") else "false",
                    rotations="true" if flag("rotations") else "false")
    return EpisodeSource(name, bank, split, options=used, **ep)


def sample_tasks(source, split, n, seed):
    """core/eval/evaluate.h sample_tasks: n tasks drawn in order from Rng(seed)."""
    rng = Rng(seed)
    return [source.sample(split, rng) for _ in range(n)]


# ----------------------------------------------------------------------------- learner settings

# Every LearnerConfig field (core/learners/learner.h) with its type and default.
_LEARNER_FIELDS = [
    ("inner_lr", "float", 0.01), ("inner_steps", "int", 1), ("outer_lr", "float", 0.001),
    ("outer_optimizer", "str", "adam"), ("meta_batch", "int", 25), ("grad_clip", "float", 0.0),
    ("first_order", "bool", False), ("metasgd_init_lr", "float", 0.01), ("reptile_epsilon", "float", 0.1),
    ("scratch_lr", "float", 0.01), ("memory_slots", "int", 128), ("memory_width", "int", 40),
    ("read_heads", "int", 4), ("usage_decay", "float", 0.95), ("seed", "int", 0), ("distance", "str", "euclidean"),
    ("cosine_scale", "float", 10.0), ("pretrain_classes", "int", 0), ("finetune_body", "bool", False)]
_MODEL_FIELDS = [
    ("backbone", "str", "mlp"), ("input_dim", "int", 1), ("hidden", "ints", [40, 40]), ("activation", "str", "relu"),
    ("output_dim", "int", 1), ("classification", "bool", False), ("image_height", "int", 28),
    ("image_width", "int", 28), ("image_channels", "int", 1), ("conv_hidden", "int", 64), ("conv_blocks", "int", 4)]


def _f32_value(v):
    return struct.unpack("f", struct.pack("f", v))[0]


def _to_text(kind, v):
    if kind == "float":
        return "%.9g" % _f32_value(v)  # MetaLab prints the float with 9 significant digits
    if kind == "bool":
        return "true" if v else "false"
    if kind == "ints":
        return ",".join(str(int(x)) for x in v)
    return str(v)


def _from_text(kind, text, key):
    try:
        if kind == "float":
            return _f32_value(float(text))
        if kind == "int":
            return int(text)
        if kind == "bool":
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if kind == "ints":
            return [int(x) for x in text.split(",") if x]
    except ValueError:
        raise CheckpointError(f"metadata '{key}' = '{text}' is not a valid {kind}") from None
    return text


def config_from_metadata(meta):
    """The learner's settings as a dict (model settings under "model")."""
    if "learner" not in meta:
        raise CheckpointError("metadata has no 'learner' entry")
    c = {"learner": meta["learner"]}
    for key, kind, default in _LEARNER_FIELDS:
        c[key] = _from_text(kind, meta[key], key) if key in meta else default
    if "cosine_scale" not in meta:
        c["cosine_scale"] = 1.0  # as MetaLab: checkpoints from before the scale were unscaled
    c["model"] = {k: _from_text(kind, meta["model." + k], "model." + k) if "model." + k in meta else d
                  for k, kind, d in _MODEL_FIELDS}
    return c


def config_to_metadata(c):
    m = {"learner": c["learner"]}
    for key, kind, default in _LEARNER_FIELDS:
        m[key] = _to_text(kind, c.get(key, default))
    for key, kind, default in _MODEL_FIELDS:
        m["model." + key] = _to_text(kind, c["model"].get(key, default))
    return m


def make_config(learner, **settings):
    """A learner config with MetaLab's defaults; model settings go in settings['model']."""
    c = {"learner": learner}
    for key, _, default in _LEARNER_FIELDS:
        c[key] = settings.pop(key, default)
    model = settings.pop("model", {})
    c["model"] = {k: model.pop(k, d) for k, _, d in _MODEL_FIELDS}
    if settings or model:
        raise ValueError(f"unknown settings: {sorted(settings) + sorted(model)}")
    return c


# ----------------------------------------------------------------------------- networks

ACTIVATIONS = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "none": lambda x: x}


def metalab_init(model_cfg, seed):
    """core/nn/layers.h initialisation drawn from MetaLab's Rng(seed): the same starting weights as
    `metalab train --seed seed` (MetaLab layout, in parameter order, head included)."""
    rng = Rng(seed)
    out = {}
    def uniform(rows, cols, a):
        return _f32([rng.uniform(-a, a) for _ in range(rows * cols)]).reshape(rows, cols)
    def normal(rows, cols, sd):
        return _f32([rng.normal(0.0, sd) for _ in range(rows * cols)]).reshape(rows, cols)
    if model_cfg["backbone"] == "mlp":
        sizes = [model_cfg["input_dim"]] + list(model_cfg["hidden"]) + [model_cfg["output_dim"]]
        for i in range(len(sizes) - 1):
            a = 1.0 / math.sqrt(float(sizes[i]))
            out[f"layer{i}.weight"] = uniform(sizes[i], sizes[i + 1], a)
            out[f"layer{i}.bias"] = uniform(1, sizes[i + 1], a)
        return out
    c, hid = model_cfg["image_channels"], model_cfg["conv_hidden"]
    for i in range(model_cfg["conv_blocks"]):
        out[f"conv{i}.weight"] = normal(9 * c, hid, math.sqrt(2.0 / (9 * c)))
        out[f"conv{i}.bias"] = torch.zeros(1, hid)
        out[f"bn{i}.weight"] = torch.ones(1, hid)
        out[f"bn{i}.bias"] = torch.zeros(1, hid)
        c = hid
    feat = conv4_output_dim(model_cfg)
    a = math.sqrt(6.0 / (feat + model_cfg["output_dim"]))
    out["head.weight"] = uniform(feat, model_cfg["output_dim"], a)
    out["head.bias"] = torch.zeros(1, model_cfg["output_dim"])
    return out


def conv4_output_dim(m):
    h, w = m["image_height"], m["image_width"]
    for _ in range(m["conv_blocks"]):
        h, w = h // 2, w // 2
    return h * w * m["conv_hidden"]


def to_torch_layout(name, value):
    """A MetaLab tensor as the torch module's parameter or buffer of the same name."""
    leaf = name.rsplit(".", 1)[-1]
    if name.startswith("conv") and leaf == "weight":
        cin = value.shape[0] // 9
        return value.reshape(3, 3, cin, value.shape[1]).permute(3, 2, 0, 1).contiguous()
    if leaf == "weight" and value.dim() == 2 and not name.startswith("bn"):  # Linear
        return value.t().contiguous()
    return value.reshape(-1).clone()  # biases, batch-norm vectors: [1, n] -> [n]


def to_metalab_layout(name, value):
    """The inverse of to_torch_layout: [in, out] matrices, (ky, kx, c) conv rows, [1, n] vectors."""
    value = value.detach().to("cpu", torch.float32)
    leaf = name.rsplit(".", 1)[-1]
    if value.dim() == 4:
        o, c = value.shape[:2]
        return value.permute(2, 3, 1, 0).reshape(9 * c, o).contiguous()
    if leaf == "weight" and value.dim() == 2 and not name.startswith("bn"):
        return value.t().contiguous()
    return value.reshape(1, -1).clone()


class MetaLabNet(nn.Module):
    """core/learners/model.h: an MLP, or Conv4 + a linear head, with MetaLab's parameter names.

    forward(x, params=None, bn="batch") runs with the module's own parameters or with a dict of
    fast weights (MAML); bn is "batch" (batch statistics, MetaLab's MAML and Train mode),
    "running" (Eval mode: the running averages) or "update" (batch statistics; the running
    averages that momentum 0.1 and the unbiased variance give, as MetaLab's metric learners
    keep them, are left in self.updated_stats as (mean, var) per block, buffers untouched).
    with_head=False leaves out the last layer (metric learners embed with the body only).
    """

    def __init__(self, model_cfg, with_head=True):
        super().__init__()
        self.cfg = dict(model_cfg)
        self.with_head = with_head
        m = self.cfg
        self.act = ACTIVATIONS[m["activation"]]
        if m["backbone"] == "mlp":
            sizes = [m["input_dim"]] + list(m["hidden"]) + [m["output_dim"]]
            self.layers = len(sizes) - 1
            for i in range(self.layers if with_head else self.layers - 1):
                self.add_module(f"layer{i}", nn.Linear(sizes[i], sizes[i + 1]))
        elif m["backbone"] == "conv4":
            c = m["image_channels"]
            for i in range(m["conv_blocks"]):
                self.add_module(f"conv{i}", nn.Conv2d(c, m["conv_hidden"], 3, padding=1))
                self.add_module(f"bn{i}", nn.BatchNorm2d(m["conv_hidden"], eps=1e-5, momentum=0.1))
                c = m["conv_hidden"]
            if with_head:
                self.head = nn.Linear(conv4_output_dim(m), m["output_dim"])
        else:
            raise CheckpointError(f"unknown backbone '{m['backbone']}'")

    def params(self):
        """The parameters by MetaLab name, in MetaLab's order."""
        return dict(self.named_parameters())

    def embed(self, x, params=None, bn="batch"):
        p = params if params is not None else self.params()
        m = self.cfg
        self.updated_stats = []
        if m["backbone"] == "mlp":
            for i in range(self.layers - 1):
                x = self.act(F.linear(x, p[f"layer{i}.weight"], p[f"layer{i}.bias"]))
            return x
        n = x.shape[0]
        h = x.reshape(n, m["image_height"], m["image_width"], m["image_channels"]).permute(0, 3, 1, 2)
        for i in range(m["conv_blocks"]):
            h = F.conv2d(h, p[f"conv{i}.weight"], p[f"conv{i}.bias"], padding=1)
            bnm = getattr(self, f"bn{i}")
            if bn == "batch":
                h = F.batch_norm(h, None, None, p[f"bn{i}.weight"], p[f"bn{i}.bias"], True, 0.1, 1e-5)
            elif bn == "update":  # on copies: the module's buffers stay as they are (see updated_stats)
                rm, rv = bnm.running_mean.clone(), bnm.running_var.clone()
                h = F.batch_norm(h, rm, rv, p[f"bn{i}.weight"], p[f"bn{i}.bias"], True, 0.1, 1e-5)
                self.updated_stats.append((rm, rv))
            else:
                h = F.batch_norm(h, bnm.running_mean, bnm.running_var, p[f"bn{i}.weight"], p[f"bn{i}.bias"],
                                 False, 0.1, 1e-5)
            h = F.max_pool2d(F.relu(h), 2)
        return h.permute(0, 2, 3, 1).reshape(n, -1)  # (y, x, c): MetaLab's pixel-major flatten

    def head_forward(self, features, params=None):
        p = params if params is not None else self.params()
        if self.cfg["backbone"] == "mlp":
            i = self.layers - 1
            return F.linear(features, p[f"layer{i}.weight"], p[f"layer{i}.bias"])
        return F.linear(features, p["head.weight"], p["head.bias"])

    def forward(self, x, params=None, bn="batch"):
        return self.head_forward(self.embed(x, params, bn), params)

    def head_prefix(self):
        return f"layer{self.layers - 1}." if self.cfg["backbone"] == "mlp" else "head."


class SequenceNet(nn.Module):
    """core/learners/mann.h: mann (LSTM controller + external memory), lstm, feedforward.

    forward(xs, labels) takes B episodes of T steps, xs [B, T, D] and labels [B, T] (ints), feeds
    step t the input [x_t, one-hot(y_{t-1})] (zeros at t = 0), and returns logits [B, T, C].
    The memory follows MetaLab exactly: LRUA write weights from the previous read weights and the
    least-used slots (ties to the lower index), the least-used slot zeroed before each write,
    content addressing by cosine (eps under the square root of the norms) and softmax, usage
    decayed by gamma. Location-based NTM addressing is not part of it (nor of MetaLab).
    """

    def __init__(self, cfg):
        super().__init__()
        m = cfg["model"]
        self.arch = cfg["learner"]
        self.D, self.C = m["input_dim"], m["output_dim"]
        self.N, self.M, self.R = cfg["memory_slots"], cfg["memory_width"], cfg["read_heads"]
        self.gamma, self.eps = cfg["usage_decay"], 1e-6
        step_in = self.D + self.C
        if self.arch == "feedforward":
            self.net = MetaLabNet(dict(m, input_dim=step_in))
            return
        if len(m["hidden"]) != 1:
            raise CheckpointError("mann/lstm: model.hidden must hold one size, the controller's")
        self.H = H = m["hidden"][0]
        rm = self.R * self.M if self.arch == "mann" else 0
        self.controller = nn.LSTMCell(step_in + rm, H)
        if self.arch == "mann":
            self.heads = nn.Linear(H, self.R * (2 * self.M + 2))
        self.output = nn.Linear(H + rm, self.C)

    def load_metalab(self, ckpt):
        """Copies a Checkpoint's tensors (MetaLab layout) into the modules."""
        with torch.no_grad():
            if self.arch == "feedforward":
                for name, p in self.net.named_parameters():
                    p.copy_(to_torch_layout(name, ckpt.get(name)))
                return
            wx = ckpt.get("controller.weight_x")
            w_in = torch.cat([wx, ckpt.get("controller.weight_r")], 0) if self.arch == "mann" else wx
            self.controller.weight_ih.copy_(w_in.t())
            self.controller.weight_hh.copy_(ckpt.get("controller.weight_h").t())
            self.controller.bias_ih.copy_(ckpt.get("controller.bias").reshape(-1))
            self.controller.bias_hh.zero_()
            for name in (["heads.weight", "heads.bias"] if self.arch == "mann" else []) + ["output.weight", "output.bias"]:
                mod, leaf = name.split(".")
                getattr(self, mod).get_parameter(leaf).copy_(to_torch_layout(name, ckpt.get(name)))

    def metalab_tensors(self):
        if self.arch == "feedforward":
            return {n: to_metalab_layout(n, p) for n, p in self.net.named_parameters()}
        w_in = self.controller.weight_ih.detach().t()
        out = {"controller.weight_x": w_in[:self.D + self.C].contiguous()}
        if self.arch == "mann":
            out["controller.weight_r"] = w_in[self.D + self.C:].contiguous()
        out["controller.weight_h"] = self.controller.weight_hh.detach().t().contiguous()
        out["controller.bias"] = (self.controller.bias_ih + self.controller.bias_hh).detach().reshape(1, -1)
        for name in (["heads.weight", "heads.bias"] if self.arch == "mann" else []) + ["output.weight", "output.bias"]:
            mod, leaf = name.split(".")
            out[name] = to_metalab_layout(name, getattr(self, mod).get_parameter(leaf))
        return out

    def _least_used(self, usage):
        order = torch.sort(usage, dim=1, stable=True).indices  # ties: lower slot first
        mask = torch.zeros_like(usage).scatter_(1, order[:, :self.R], 1.0)
        return mask, order[:, 0]

    def forward(self, xs, labels):
        B, T, _ = xs.shape
        prev = torch.zeros(B, self.C, dtype=xs.dtype, device=xs.device)
        outs = []
        if self.arch != "feedforward":
            h = torch.zeros(B, self.H, dtype=xs.dtype, device=xs.device)
            c = torch.zeros_like(h)
        if self.arch == "mann":
            N, M, R = self.N, self.M, self.R
            reads = torch.zeros(B, R * M, dtype=xs.dtype, device=xs.device)
            memory = torch.zeros(B, N, M, dtype=xs.dtype, device=xs.device)
            read_w = torch.zeros(B, R, N, dtype=xs.dtype, device=xs.device)
            usage = torch.zeros(B, N, dtype=xs.dtype, device=xs.device)
            lu_mask, zero_slot = self._least_used(usage)
        for t in range(T):
            step_in = torch.cat([xs[:, t], prev], 1)
            if self.arch == "feedforward":
                outs.append(self.net(step_in))
            elif self.arch == "lstm":
                h, c = self.controller(step_in, (h, c))
                outs.append(self.output(h))
            else:
                h, c = self.controller(torch.cat([step_in, reads], 1), (h, c))
                hp = self.heads(h)
                key_add = torch.tanh(hp[:, :2 * R * M])
                keys = key_add[:, :R * M].reshape(B, R, M)
                adds = key_add[:, R * M:].reshape(B, R, M)
                gate = torch.sigmoid(hp[:, 2 * R * M:2 * R * M + R]).reshape(B, R, 1)
                beta = F.softplus(hp[:, 2 * R * M + R:]).reshape(B, R, 1)
                lu = lu_mask.unsqueeze(1).expand(B, R, N)
                write_w = lu + gate * (read_w - lu)
                keep = torch.ones(B, N, 1, dtype=xs.dtype, device=xs.device)
                keep[torch.arange(B), zero_slot] = 0.0
                memory = memory * keep + torch.bmm(write_w.transpose(1, 2), adds)
                kn = keys / torch.sqrt((keys * keys).sum(-1, keepdim=True) + self.eps)
                mn = memory / torch.sqrt((memory * memory).sum(-1, keepdim=True) + self.eps)
                read_w = torch.softmax(torch.bmm(kn, mn.transpose(1, 2)) * beta, dim=-1)
                r = torch.bmm(read_w, memory)
                reads = r.reshape(B, R * M)
                usage = self.gamma * usage + read_w.detach().sum(1) + write_w.detach().sum(1)
                lu_mask, zero_slot = self._least_used(usage)
                outs.append(self.output(torch.cat([h, reads], 1)))
            prev = F.one_hot(labels[:, t].long(), self.C).to(xs.dtype)
        return torch.stack(outs, 1)


# ----------------------------------------------------------------------------- learners

GRADIENT_LEARNERS = ("maml", "fomaml", "metasgd", "anil")
METRIC_LEARNERS = ("protonet", "matchingnet")
SEQUENCE_LEARNERS = ("mann", "lstm", "feedforward")


def labels_of(y):
    """Class indices stored as floats in a column -> int64 labels."""
    return y.reshape(-1).round().long()


def pairwise_sq_dist(a, b):
    """|a_i|^2 + |b_j|^2 - 2 a_i.b_j, the expansion MetaLab uses."""
    return (a * a).sum(1, keepdim=True) + (b * b).sum(1).unsqueeze(0) - 2.0 * a @ b.t()


def class_means(emb, labels, ways):
    onehot = F.one_hot(labels, ways).to(emb.dtype)
    return (onehot / onehot.sum(0, keepdim=True)).t() @ emb


def _normalize_rows(a, eps=1e-8):
    return a / torch.sqrt((a * a).sum(1, keepdim=True) + eps)


class Learner:
    """A MetaLab learner in torch: its config, network, optional Meta-SGD step sizes and task settings."""

    def __init__(self, cfg, task_options=None, iteration=0):
        self.cfg = cfg
        self.kind = cfg["learner"]
        self.task_options = dict(task_options or {})
        self.iteration = iteration
        self.step_sizes = {}
        m = cfg["model"]
        if self.kind in SEQUENCE_LEARNERS:
            self.model = SequenceNet(cfg)
        elif self.kind in GRADIENT_LEARNERS or self.kind in METRIC_LEARNERS:
            self.model = MetaLabNet(m, with_head=self.kind not in METRIC_LEARNERS)
        else:
            raise CheckpointError(f"learner '{self.kind}': metalab_torch covers "
                                  f"{', '.join(GRADIENT_LEARNERS + METRIC_LEARNERS + SEQUENCE_LEARNERS)}")
        if self.kind == "metasgd":
            self.step_sizes = {n: torch.full_like(p, cfg["metasgd_init_lr"]) for n, p in self.model.named_parameters()}

    def to(self, dtype=None, device=None):
        """Moves the network (and Meta-SGD's step sizes) to a dtype and/or device; returns self."""
        self.model.to(device=device, dtype=dtype)
        self.step_sizes = {n: v.to(device=device, dtype=dtype) for n, v in self.step_sizes.items()}
        return self

    # ---- checkpoints
    @classmethod
    def from_checkpoint(cls, ckpt):
        if isinstance(ckpt, str):
            ckpt = read_checkpoint(ckpt)
        try:
            cfg = config_from_metadata(ckpt.metadata)
        except CheckpointError as e:
            raise CheckpointError(f"checkpoint {ckpt.source}: {e}") from None
        task = {k[5:]: v for k, v in ckpt.metadata.items() if k.startswith("task.")}
        learner = cls(cfg, task, int(ckpt.metadata.get("iteration", "0")))
        model = learner.model
        if learner.kind in SEQUENCE_LEARNERS:
            try:
                model.load_metalab(ckpt)
            except RuntimeError as e:  # a shape that does not fit
                raise CheckpointError(f"checkpoint {ckpt.source}: {e}") from None
        else:
            with torch.no_grad():
                for name, p in model.named_parameters():
                    v = to_torch_layout(name, ckpt.get(name))
                    if v.shape != p.shape:
                        raise CheckpointError(f"checkpoint {ckpt.source}: '{name}' has shape "
                                              f"{list(ckpt.get(name).shape)} for {list(p.shape)} in torch")
                    p.copy_(v)
                for name, b in model.named_buffers():
                    if name in ckpt.tensors:
                        b.copy_(to_torch_layout(name, ckpt.tensors[name]).to(b.dtype))
            for name in learner.step_sizes:
                learner.step_sizes[name] = to_torch_layout(name, ckpt.get("lr." + name))
        return learner

    def tensors(self, optimizer=None):
        """The checkpoint's tensors in MetaLab layout and order (weights, step sizes, BN, Adam)."""
        if self.kind in SEQUENCE_LEARNERS:
            out = self.model.metalab_tensors()
        else:
            out = {n: to_metalab_layout(n, p) for n, p in self.model.named_parameters()}
        trainable = list(out)
        for n, v in self.step_sizes.items():
            out["lr." + n] = to_metalab_layout(n, v)
            trainable.append("lr." + n)
        if self.kind in METRIC_LEARNERS and self.cfg["model"]["backbone"] == "conv4":
            for i in range(self.cfg["model"]["conv_blocks"]):
                bn = getattr(self.model, f"bn{i}")
                out[f"bn{i}.running_mean"] = bn.running_mean.detach().cpu().reshape(1, -1).clone()
                out[f"bn{i}.running_var"] = bn.running_var.detach().cpu().reshape(1, -1).clone()
        out.update(adam_state(optimizer, self, trainable))
        return out

    def metadata(self):
        m = config_to_metadata(self.cfg)
        m.update({"task." + k: v for k, v in self.task_options.items()})
        m.update({"format": "metalab-checkpoint-1", "iteration": str(self.iteration),
                  "optimizer": self.cfg["outer_optimizer"],
                  "created_by": f"metalab_torch (PyTorch {torch.__version__})"})
        return m

    def save(self, path, optimizer=None):
        write_checkpoint(path, self.tensors(optimizer), self.metadata())

    # ---- adaptation and prediction (as Learner::adapt in MetaLab)
    def _adaptable(self, name):
        return self.kind != "anil" or name.startswith(self.model.head_prefix())

    def adapt(self, task, steps=0):
        """Query predictions (regression outputs or logits) after 0..steps SGD steps on the support
        set (one entry for metric and sequence learners, which adapt in one shot)."""
        if self.kind in METRIC_LEARNERS:
            with torch.no_grad():
                return [self.classify(task)]
        if self.kind in SEQUENCE_LEARNERS:
            with torch.no_grad():
                return [self.sequence_predict(task)]
        loss_fn = self.loss
        params = {n: p.detach().clone().requires_grad_(self._adaptable(n)) for n, p in self.model.named_parameters()}
        out = []
        for s in range(steps + 1):
            with torch.no_grad():
                out.append(self.model(task.query_x, params))
            if s == steps:
                break
            loss = loss_fn(self.model(task.support_x, params), task.support_y)
            names = [n for n in params if self._adaptable(n)]
            grads = dict(zip(names, torch.autograd.grad(loss, [params[n] for n in names])))
            params = {n: (p - self._lr(n) * grads[n]).detach().requires_grad_(True) if n in grads else p
                      for n, p in params.items()}
        return out

    def _lr(self, name):
        return self.step_sizes[name] if self.step_sizes else self.cfg["inner_lr"]

    def loss(self, output, y):
        if self.cfg["model"]["classification"]:
            return F.cross_entropy(output, labels_of(y))
        return F.mse_loss(output, y)

    def metric(self, output, y):
        if self.cfg["model"]["classification"]:
            return (output.argmax(1) == labels_of(y)).double().mean().item()
        return ((output - y) ** 2).double().mean().item()

    def inner_loop(self, task, params, first_order=False):
        """theta - alpha grad L_support, inner_steps times; differentiable unless first_order."""
        for _ in range(self.cfg["inner_steps"]):
            loss = self.loss(self.model(task.support_x, params), task.support_y)
            names = [n for n in params if self._adaptable(n)]
            grads = torch.autograd.grad(loss, [params[n] for n in names], create_graph=not first_order)
            grads = dict(zip(names, grads))
            params = {n: p - self._lr(n) * grads[n] if n in grads else p for n, p in params.items()}
        return params

    def meta_gradient(self, task, first_order=False):
        """The gradient of the post-adaptation query loss w.r.t. the meta-parameters (MetaLab layout,
        names as `metalab inspect meta-gradient` writes them; Meta-SGD: "lr.*" too)."""
        params = dict(self.model.named_parameters())
        leaves = list(params.values()) + list(self.step_sizes.values())
        for v in self.step_sizes.values():
            v.requires_grad_(True)
        fast = self.inner_loop(task, params, first_order)
        loss = self.loss(self.model(task.query_x, fast), task.query_y)
        grads = torch.autograd.grad(loss, leaves, allow_unused=True)
        names = list(params) + ["lr." + n for n in self.step_sizes]
        return {n: to_metalab_layout(n.replace("lr.", "", 1), g if g is not None else torch.zeros_like(l))
                for n, g, l in zip(names, grads, leaves)}

    def classify(self, task, bn="running"):
        """Metric learners: query logits from the embedded support set."""
        bn = bn if self.cfg["model"]["backbone"] == "conv4" else "batch"
        ways = int(task.num_classes or labels_of(task.support_y).max().item() + 1)
        support = self.model.embed(task.support_x, bn=bn)
        query = self.model.embed(task.query_x, bn=bn)
        return self.classifier(support, labels_of(task.support_y), ways)(query)

    def classifier(self, support, labels, ways):
        if self.kind == "matchingnet":
            y = F.one_hot(labels, ways).to(support.dtype)
            scale = self.cfg["cosine_scale"]
            return lambda q: torch.log(torch.softmax(_normalize_rows(q) @ _normalize_rows(support).t() * scale, 1) @ y)
        protos = class_means(support, labels, ways)
        if self.cfg["distance"] == "cosine":
            return lambda q: 10.0 * (_normalize_rows(q) @ _normalize_rows(protos).t())
        return lambda q: -pairwise_sq_dist(q, protos)

    def sequence_predict(self, task):
        """Memory networks: the support sequence (labels one step late), then each query as if it came next."""
        xs = task.support_x.unsqueeze(0)
        labels = labels_of(task.support_y).unsqueeze(0)
        q = task.query_x.shape[0]
        # Every query continues the same support sequence: batch them as q copies.
        seq = torch.cat([xs.expand(q, -1, -1), task.query_x.unsqueeze(1)], 1)
        lab = torch.cat([labels.expand(q, -1), torch.zeros(q, 1, dtype=torch.long)], 1)
        return self.model(seq, lab)[:, -1]

    def evaluate(self, tasks, steps=0):
        """Per step: (mean query loss, mean metric) over tasks, as eval::evaluate_learner."""
        per_step = None
        for task in tasks:
            preds = self.adapt(task, steps)
            rows = [(self.loss(p, task.query_y).item(), self.metric(p, task.query_y)) for p in preds]
            rows += [rows[-1]] * (steps + 1 - len(rows))
            per_step = rows if per_step is None else [(a + c, b + d) for (a, b), (c, d) in zip(per_step, rows)]
        return [(a / len(tasks), b / len(tasks)) for a, b in per_step]


def adam_state(optimizer, learner, trainable):
    """torch.optim.Adam's state as MetaLab's "optim.*" tensors: step, then m.<i> and v.<i> for the
    i-th trainable tensor in MetaLab order. Without an optimizer (or for Meta-SGD's step sizes,
    which the reference trainer does not learn) a fresh state, step 0."""
    if learner.cfg["outer_optimizer"] != "adam":
        return {}  # MetaLab's SGD without momentum and a fresh RMSProp keep no state
    out = {"optim.step": torch.zeros(1, 1)}
    if optimizer is None or learner.step_sizes or learner.kind in SEQUENCE_LEARNERS:
        return out
    named = dict(learner.model.named_parameters())
    states = [optimizer.state.get(named[n], {}) for n in trainable]
    if not all("exp_avg" in s for s in states):
        return out
    out["optim.step"] = torch.full((1, 1), float(states[0]["step"]))
    for i, (n, s) in enumerate(zip(trainable, states)):
        out[f"optim.m.{i}"] = to_metalab_layout(n, s["exp_avg"])
    for i, (n, s) in enumerate(zip(trainable, states)):
        out[f"optim.v.{i}"] = to_metalab_layout(n, s["exp_avg_sq"])
    return out
