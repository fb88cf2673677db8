"""PyTorch reference for the forward benchmark (tests/bench/cases/forward.ts).

The same batched fp32 Llama forward as the ONNX engine's engine.run: embedding, per block
RMSNorm -> q/k/v -> RoPE (rotate_half) -> causal softmax attention -> o_proj -> residual,
RMSNorm -> SwiGLU MLP -> residual; final RMSNorm, tied LM head, log-softmax, log-prob of each
next token. Plain torch ops (no transformers), random weights, torch.inference_mode.
Prints one JSON line: tokens per second (best of the timed runs after one warm-up) and the BLAS
library in use: Debian's python3-torch calls the system libblas.so.3, which is the slow
reference BLAS unless OpenBLAS is installed (apt-get install libopenblas0-pthread).
"""
import argparse
import json
import math
import time

import torch


def rms_norm(x, weight, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(ids, w, a):
    batch, seq = ids.shape
    heads, head_dim = a.heads, a.hidden // a.heads
    inv = 1.0 / (a.theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = torch.outer(torch.arange(seq, dtype=torch.float32), inv)
    cos = torch.cat((angles.cos(), angles.cos()), -1)
    sin = torch.cat((angles.sin(), angles.sin()), -1)
    mask = torch.full((seq, seq), float("-inf")).triu(1)
    h = w["embed"][ids]
    for block in w["blocks"]:
        x = rms_norm(h, block["input_norm"], a.eps)
        q, k, v = (
            (x @ block[name].T).view(batch, seq, heads, head_dim).transpose(1, 2)
            for name in ("q", "k", "v")
        )
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim) + mask
        context = torch.softmax(scores, -1) @ v
        h = h + context.transpose(1, 2).reshape(batch, seq, a.hidden) @ block["o"].T
        y = rms_norm(h, block["post_norm"], a.eps)
        h = h + (torch.nn.functional.silu(y @ block["gate"].T) * (y @ block["up"].T)) @ block["down"].T
    logits = rms_norm(h, w["norm"], a.eps) @ w["embed"].T
    log_probs = torch.log_softmax(logits[:, :-1], -1)
    return log_probs.gather(-1, ids[:, 1:, None]).squeeze(-1)


def loaded_blas():
    """Which BLAS library this process loaded (Debian's torch uses whatever libblas.so.3 points to)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
    return sorted(paths)


def main():
    p = argparse.ArgumentParser()
    for name, default in [("hidden", 512), ("layers", 4), ("mlp", 1536), ("vocab", 32000), ("heads", 8), ("seq", 256), ("batch", 8), ("threads", 2), ("repeats", 3)]:
        p.add_argument(f"--{name}", type=int, default=default)
    p.add_argument("--theta", type=float, default=10000.0)
    p.add_argument("--eps", type=float, default=1e-5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    def normal(*shape):
        return torch.randn(*shape) * 0.02

    w = {
        "embed": normal(a.vocab, a.hidden),
        "norm": torch.ones(a.hidden),
        "blocks": [
            {
                "input_norm": torch.ones(a.hidden),
                "post_norm": torch.ones(a.hidden),
                "q": normal(a.hidden, a.hidden),
                "k": normal(a.hidden, a.hidden),
                "v": normal(a.hidden, a.hidden),
                "o": normal(a.hidden, a.hidden),
                "gate": normal(a.mlp, a.hidden),
                "up": normal(a.mlp, a.hidden),
                "down": normal(a.hidden, a.mlp),
            }
            for _ in range(a.layers)
        ],
    }
    ids = torch.randint(0, a.vocab, (a.batch, a.seq))
    seconds = []
    with torch.inference_mode():
        forward(ids, w, a)  # warm-up
        for _ in range(a.repeats):
            start = time.perf_counter()
            forward(ids, w, a)
            seconds.append(time.perf_counter() - start)
    tokens = a.batch * a.seq
    print(json.dumps({
        "torch": torch.__version__,
        "blas": loaded_blas(),
        "threads": torch.get_num_threads(),
        "tokensPerSecond": tokens / min(seconds),
        "seconds": seconds,
    }))


if __name__ == "__main__":
    main()
