"""
The PyTorch side of the training benchmark (tests/bench/cases/train.ts): the same Llama-family
layers, trained the same way, for a side-by-side tokens/s and peak memory. A plain fp32 PyTorch
training loop as a user would write it: the model in nn.Modules (Hugging Face's LlamaForCausalLM
layout: RMSNorm, rotate-half RoPE, causal softmax attention, SwiGLU, untied LM head), only the
listed blocks trainable (requires_grad), torch.optim.AdamW(betas=(0.9, 0.95), eps=1e-8, weight
decay 0.1 on matrices only), global-norm clipping 1.0, autograd without recomputation.

Prints one JSON line: {"tokensPerSecond", "stepTokensPerSecond", "peakRssBytes", "losses", "threads", "torch"}.
Timing covers the optimizer steps only (forward, backward, clipping, update), as the trainer's.
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, hidden, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Block(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.heads, self.head_dim = a.heads, a.hidden // a.heads
        h, f = a.hidden, a.intermediate
        self.input_layernorm = RMSNorm(h, 1e-5)
        self.q_proj = nn.Linear(h, h, bias=False)
        self.k_proj = nn.Linear(h, h, bias=False)
        self.v_proj = nn.Linear(h, h, bias=False)
        self.o_proj = nn.Linear(h, h, bias=False)
        self.post_attention_layernorm = RMSNorm(h, 1e-5)
        self.gate_proj = nn.Linear(h, f, bias=False)
        self.up_proj = nn.Linear(h, f, bias=False)
        self.down_proj = nn.Linear(f, h, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        y = self.input_layernorm(x)
        split = lambda z: z.view(b, t, self.heads, self.head_dim).transpose(1, 2)
        q, k, v = split(self.q_proj(y)), split(self.k_proj(y)), split(self.v_proj(y))
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(self.head_dim) + mask
        context = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b, t, -1)
        x = x + self.o_proj(context)
        y = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(y)) * self.up_proj(y))


class Llama(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.embed_tokens = nn.Embedding(a.vocab, a.hidden)
        self.layers = nn.ModuleList(Block(a) for _ in range(a.layers))
        self.norm = RMSNorm(a.hidden, 1e-5)
        self.lm_head = nn.Linear(a.hidden, a.vocab, bias=False)
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, ids, cos, sin, mask):
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))


def main():
    p = argparse.ArgumentParser()
    for name, default in [("hidden", 512), ("intermediate", 1536), ("heads", 8), ("layers", 9), ("vocab", 32000), ("batch", 4), ("seq", 256), ("steps", 5), ("threads", 2)]:
        p.add_argument(f"--{name}", type=int, default=default)
    p.add_argument("--trainable", default="2,5,8")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Llama(a)
    trainable = {int(i) for i in a.trainable.split(",")}
    for p_ in model.parameters():
        p_.requires_grad_(False)
    params = [p_ for i in trainable for p_ in model.layers[i].parameters()]
    for p_ in params:
        p_.requires_grad_(True)
    optimizer = torch.optim.AdamW(
        [{"params": [p_ for p_ in params if p_.dim() >= 2], "weight_decay": 0.1}, {"params": [p_ for p_ in params if p_.dim() < 2], "weight_decay": 0.0}],
        lr=1e-4, betas=(0.9, 0.95), eps=1e-8,
    )
    head_dim = a.hidden // a.heads
    inv = 1.0 / (10000 ** (torch.arange(0, head_dim, 2).float() / head_dim))
    angles = torch.outer(torch.arange(a.seq).float(), inv)
    cos, sin = torch.cat((angles, angles), -1).cos(), torch.cat((angles, angles), -1).sin()
    mask = torch.full((a.seq, a.seq), float("-inf")).triu(1)
    generator = torch.Generator().manual_seed(1)
    losses, step_seconds = [], []
    for _ in range(a.steps):
        ids = torch.randint(0, a.vocab, (a.batch, a.seq), generator=generator)
        start = time.perf_counter()
        logits = model(ids, cos, sin, mask)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, a.vocab), ids[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        step_seconds.append(time.perf_counter() - start)
        losses.append(loss.item())
    print(json.dumps({
        "tokensPerSecond": a.batch * a.seq * a.steps / sum(step_seconds),
        "stepTokensPerSecond": [a.batch * a.seq / s for s in step_seconds],
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "losses": losses,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
