#!/usr/bin/env python3
"""PyTorch reference of the StA network, written by this project from the description in docs/design.md, "Network" (not the official code).

Two jobs:
  check  - verify this reference against the official golden fixture (../shared/fixtures/sta): proves the reference
           computes what the official model computes, so its timings are a fair stand-in for the official code.
  bench  - time inference and training steps with the same shapes as our TorchSharp benchmark, on CPU or CUDA,
           and print a JSON report (used for the TorchSharp/PyTorch ratio in docs/performance.md).

Usage:
  python3 tests/reference/sta_reference.py check [--fixtures DIR]
  python3 tests/reference/sta_reference.py bench [--device cuda] [--preset official|tiny] [--batch 8] [--iters 10]
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "official": dict(width=1024, layers=14, heads=16, patch=14, resolution=224, frames=8, adapter=512, xheads=2, mlp=4096),
    "tiny": dict(width=64, layers=2, heads=4, patch=8, resolution=32, frames=8, adapter=32, xheads=2, mlp=256),
}


class LayerNorm32(nn.LayerNorm):
    """LayerNorm evaluated in float32 whatever the activation dtype (as CLIP does)."""

    def forward(self, x):
        return F.layer_norm(x.float(), self.normalized_shape, self.weight.float(), self.bias.float(), self.eps).to(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class PackedAttention(nn.Module):
    """Sequence-first MHA with PyTorch's packed parameter names; explicit (official arithmetic) or fused SDPA."""

    def __init__(self, dim, heads, fused):
        super().__init__()
        self.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * dim))
        self.out_proj = nn.Linear(dim, dim)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)
        self.dim, self.heads, self.fused = dim, heads, fused

    def forward(self, q, k, v):
        lq, n, e = q.shape
        lk = k.shape[0]
        d = e // self.heads
        wq, wk, wv = self.in_proj_weight.chunk(3)
        bq, bk, bv = self.in_proj_bias.chunk(3)
        q = F.linear(q, wq, bq).reshape(lq, n * self.heads, d).transpose(0, 1)
        k = F.linear(k, wk, bk).reshape(lk, n * self.heads, d).transpose(0, 1)
        v = F.linear(v, wv, bv).reshape(lk, n * self.heads, d).transpose(0, 1)
        if self.fused:
            o = F.scaled_dot_product_attention(q, k, v)
        else:
            o = torch.bmm(torch.softmax(torch.bmm(q * (1.0 / math.sqrt(d)), k.transpose(1, 2)), -1), v)
        return self.out_proj(o.transpose(0, 1).reshape(lq, n, e))


class DW3D(nn.Module):
    def __init__(self, c, kernel):
        super().__init__()
        pad = tuple(k // 2 for k in kernel)
        for i in (1, 2, 3):
            setattr(self, f"conv{i}", nn.Conv3d(c, c, kernel, padding=pad, groups=c))
            setattr(self, f"bn{i}", nn.BatchNorm3d(c))

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return self.bn3(self.conv3(x))


class CrossAttn(nn.Module):
    def __init__(self, c, heads, literal, fused):
        super().__init__()
        self.spatial_to_temporal = PackedAttention(c, heads, fused)
        self.temporal_to_spatial = PackedAttention(c, heads, fused)
        self.literal = literal

    def to_seq(self, x):
        b, c, t, h, w = x.shape
        if self.literal:
            return x.reshape(b, c, t, h * w).permute(2, 0, 3, 1).contiguous().reshape(t * h * w, b, c)
        return x.reshape(b, c, t * h * w).permute(2, 0, 1)

    def from_seq(self, s, shape):
        b, c, t, h, w = shape
        if self.literal:
            return s.reshape(t, h * w, b, c).permute(2, 3, 0, 1).reshape(b, c, t, h, w)
        return s.permute(1, 2, 0).reshape(b, c, t, h, w)

    def forward(self, xs, xt):
        s, t = self.to_seq(xs), self.to_seq(xt)
        return (self.from_seq(self.spatial_to_temporal(t, s, s), xs.shape),
                self.from_seq(self.temporal_to_spatial(s, t, t), xs.shape))


class Adapter(nn.Module):
    def __init__(self, p, literal, fused):
        super().__init__()
        e = p["adapter"]
        self.frames, self.grid = p["frames"], p["resolution"] // p["patch"]
        self.down = nn.Linear(p["width"], e)
        for i, k in enumerate((3, 5, 7), 1):
            setattr(self, f"s_conv{i}", DW3D(e, (1, k, k)))
        for i, k in enumerate((3, 5, 7), 1):
            setattr(self, f"t_conv{i}", DW3D(e, (k, 1, 1)))
        self.up = nn.Linear(e, p["width"])
        self.cross_attention = CrossAttn(e, p["xheads"], literal, fused)

    def forward(self, x):
        n, bt, _ = x.shape
        z = F.gelu(self.down(x))
        cls, patches = z[:1], z[1:]
        e, t, g = z.shape[2], self.frames, self.grid
        v = patches.permute(1, 2, 0).reshape(bt // t, t, e, g, g).permute(0, 2, 1, 3, 4).contiguous()
        xs = (self.s_conv1(v) + self.s_conv2(v) + self.s_conv3(v)) / 3 + v
        xt = (self.t_conv1(v) + self.t_conv2(v) + self.t_conv3(v)) / 3 + v
        s2t, t2s = self.cross_attention(xs, xt)
        f = F.gelu((s2t + t2s) / 2).permute(0, 2, 1, 3, 4).reshape(bt, e, g * g).permute(2, 0, 1)
        return F.gelu(self.up(torch.cat([cls, f], 0))) + x


class Block(nn.Module):
    def __init__(self, p, literal, fused, fused_cross):
        super().__init__()
        w = p["width"]
        self.ln_1 = LayerNorm32(w)
        self.attn = PackedAttention(w, p["heads"], fused)
        self.ln_2 = LayerNorm32(w)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(w, p["mlp"]))
        self.mlp.add_module("gelu", QuickGELU())
        self.mlp.add_module("c_proj", nn.Linear(p["mlp"], w))
        self.Adapter = Adapter(p, literal, fused_cross)

    def forward(self, x):
        y = self.ln_1(x)
        x = x + self.attn(y, y, y)
        x = x + self.mlp(self.ln_2(x))
        return self.Adapter(x)


class Transformer(nn.Module):
    def __init__(self, p, literal, fused, fused_cross):
        super().__init__()
        self.resblocks = nn.ModuleList([Block(p, literal, fused, fused_cross) for _ in range(p["layers"])])

    def forward(self, x):
        for b in self.resblocks:
            x = b(x)
        return x


class Backbone(nn.Module):
    def __init__(self, p, literal, fused, fused_cross):
        super().__init__()
        w, g = p["width"], p["resolution"] // p["patch"]
        self.class_embedding = nn.Parameter(torch.randn(w) * w ** -0.5)
        self.positional_embedding = nn.Parameter(torch.randn(g * g + 1, w) * w ** -0.5)
        self.temporal_embedding = nn.Parameter(torch.zeros(1, p["frames"], w))
        self.conv1 = nn.Conv2d(3, w, p["patch"], p["patch"], bias=False)
        self.ln_pre = LayerNorm32(w)
        self.transformer = Transformer(p, literal, fused, fused_cross)
        self.ln_post = LayerNorm32(w)

    def forward(self, clips):
        b, t = clips.shape[:2]
        x = self.conv1(clips.flatten(0, 1)).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1), x], 1) + self.positional_embedding.to(x.dtype)
        x = (x.reshape(b, t, x.shape[1], -1) + self.temporal_embedding[:, :t].unsqueeze(2).to(x.dtype)).flatten(0, 1)
        x = self.transformer(self.ln_pre(x).permute(1, 0, 2))
        cls = self.ln_post(x[0])
        return cls.reshape(b, t, -1).permute(0, 2, 1)[..., None, None]


class Head(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.fc_cls = nn.Linear(w, 2)
        self.dropout = nn.Dropout(0.5)

    def forward(self, feat):
        return self.fc_cls(self.dropout(feat.mean((2, 3, 4))))


class StA(nn.Module):
    def __init__(self, p, literal=False, fused=False, fused_cross=None):
        super().__init__()
        self.backbone = Backbone(p, literal, fused, fused if fused_cross is None else fused_cross)
        self.head = Head(p["width"])

    def forward(self, clips):
        feat = self.backbone(clips)
        logits = self.head(feat)
        return logits, torch.softmax(logits, 1)[:, 1], feat


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info["shape"])
    return out


def check(args):
    folder = args.fixtures
    cfg = json.load(open(os.path.join(folder, "config.json")))
    pr = cfg["preset"]
    p = dict(width=pr["width"], layers=pr["layers"], heads=pr["heads"], patch=pr["patch_size"], resolution=pr["input_resolution"],
             frames=pr["num_frames"], adapter=pr["adapter_width"], xheads=pr["cross_attention_heads"], mlp=pr["mlp_width"])
    tensors = read_safetensors(os.path.join(folder, cfg["tensors"]))
    state = torch.load(os.path.join(folder, cfg["checkpoint"]), map_location="cpu")
    worst = 0.0
    for case in cfg["cases"]:
        model = StA(p, literal=case["semantics"] == "literal").eval()
        model.load_state_dict(state, strict=True)
        with torch.no_grad():
            logits, prob, feat = model(tensors[case["input"]])
        for kind, value in (("logits", logits), ("prob", prob), ("feat", feat)):
            if kind in case["outputs"]:
                diff = (value - tensors[case["outputs"][kind]]).abs().max().item()
                worst = max(worst, diff)
                print(f"{case['name']:28s} {kind:7s} max|diff| {diff:.2e}")
    ok = worst <= cfg["tolerance"]["outputs_abs"]
    print("reference matches the official fixture" if ok else "MISMATCH")
    return 0 if ok else 1


def bench(args):
    torch.manual_seed(0)
    device = torch.device(args.device)
    p = PRESETS[args.preset]
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = not args.no_cudnn_benchmark
    report = {"framework": "pytorch", "torch": torch.__version__, "device": str(device),
              "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else None, "preset": args.preset, "results": []}

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def timed(name, batch, fn):
        try:
            for _ in range(args.warmup):
                fn()
        except RuntimeError as error:  # e.g. a fused-attention backend restricted by --sdpa-backend that has no kernel here
            entry = {"name": name, "batch": batch, "unavailable": str(error).splitlines()[0]}
            report["results"].append(entry)
            print(json.dumps(entry), flush=True)
            return
        sync()
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        for _ in range(args.iters):
            fn()
        sync()
        seconds = (time.perf_counter() - start) / args.iters
        peak = torch.cuda.max_memory_allocated() / 2 ** 30 if device.type == "cuda" else None
        entry = {"name": name, "batch": batch, "seconds_per_step": seconds, "clips_per_second": batch / seconds, "peak_gib": peak}
        report["results"].append(entry)
        print(json.dumps(entry), flush=True)

    if args.sdpa_backend:
        # The same process-wide switches Sta.MLNet's AttentionBackends sets (at::Context flags).
        wanted = set(args.sdpa_backend.split(","))
        for switch, name in (("enable_flash_sdp", "flash"), ("enable_mem_efficient_sdp", "efficient"),
                             ("enable_cudnn_sdp", "cudnn"), ("enable_math_sdp", "math")):
            if hasattr(torch.backends.cuda, switch):  # absent in old torch (Debian's 1.13)
                getattr(torch.backends.cuda, switch)(name in wanted)
        report["sdpa_backend"] = args.sdpa_backend
    kernels = [(False, False, "explicit")]
    if hasattr(F, "scaled_dot_product_attention") and not args.explicit_only:
        kernels += [(True, False, "fused-backbone"), (True, True, "fused")]
    if args.kernels:
        kernels = [k for k in kernels if k[2] in args.kernels.split(",")]
    for fused_backbone, fused_cross, tag in kernels:
        model = StA(p, literal=False, fused=fused_backbone, fused_cross=fused_cross).to(device)
        x8 = torch.randn(args.batch, p["frames"], 3, p["resolution"], p["resolution"], device=device)
        x1 = x8[:1].clone()
        model.eval()
        if not args.train_only:
            with torch.no_grad():
                timed(f"inference fp32 {tag}", args.batch, lambda: model(x8))
                timed(f"inference fp32 {tag} batch1", 1, lambda: model(x1))
                if device.type == "cuda":
                    with torch.autocast("cuda", dtype=torch.bfloat16):
                        timed(f"inference bf16-autocast {tag}", args.batch, lambda: model(x8))
        # Training step with the paper's frozen backbone (adapters, temporal embedding, ln_post, head train).
        for name, prm in model.named_parameters():
            prm.requires_grad = name.startswith("head.") or ".Adapter." in name or name == "backbone.temporal_embedding" or name.startswith("backbone.ln_post.")
        opt = torch.optim.Adam([q for q in model.parameters() if q.requires_grad], lr=2e-4, weight_decay=5e-4)
        y = torch.randint(0, 2, (args.batch,), device=device)
        model.train()

        def step(autocast):
            opt.zero_grad(set_to_none=True)
            if autocast:
                with torch.autocast("cuda", dtype=torch.bfloat16):
                    loss = F.cross_entropy(model(x8)[0], y)
            else:
                loss = F.cross_entropy(model(x8)[0], y)
            loss.backward()
            opt.step()

        timed(f"train-frozen fp32 {tag}", args.batch, lambda: step(False))
        if device.type == "cuda":
            timed(f"train-frozen bf16-autocast {tag}", args.batch, lambda: step(True))
        del model, opt
        if device.type == "cuda":
            torch.cuda.empty_cache()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check")
    c.add_argument("--fixtures", default=os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "fixtures", "sta")))
    b = sub.add_parser("bench")
    b.add_argument("--device", default="cpu")
    b.add_argument("--preset", default="official", choices=sorted(PRESETS))
    b.add_argument("--batch", type=int, default=8)
    b.add_argument("--iters", type=int, default=10)
    b.add_argument("--warmup", type=int, default=3)
    b.add_argument("--threads", type=int, default=0)
    b.add_argument("--out")
    b.add_argument("--no-cudnn-benchmark", action="store_true")
    b.add_argument("--explicit-only", action="store_true")
    b.add_argument("--train-only", action="store_true")
    b.add_argument("--kernels", help="comma-separated subset of explicit, fused-backbone, fused")
    b.add_argument("--sdpa-backend", help="fused attention implementations allowed: flash, efficient, cudnn, math (comma-separated)")
    args = parser.parse_args()
    if getattr(args, "threads", 0):
        torch.set_num_threads(args.threads)
    return check(args) if args.command == "check" else bench(args)


if __name__ == "__main__":
    sys.exit(main())
