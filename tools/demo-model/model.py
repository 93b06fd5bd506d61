"""A llama-architecture transformer laid out exactly as llama.cpp reads it (GGUF tensor names, Meta-style rotary)."""
import math

import torch
import torch.nn.functional as F
from torch import nn


class Config:
    def __init__(self, vocab_size, dim=192, layers=4, heads=6, kv_heads=6, ffn_dim=512, context=512, rope_theta=10000.0, norm_eps=1e-5):
        self.vocab_size, self.dim, self.layers, self.heads, self.kv_heads = vocab_size, dim, layers, heads, kv_heads
        self.ffn_dim, self.context, self.rope_theta, self.norm_eps = ffn_dim, context, rope_theta, norm_eps
        self.head_dim = dim // heads


class RmsNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotary_tables(config):
    """cos/sin for rotating adjacent pairs (x0,x1),(x2,x3)…: llama.cpp's LLAMA_ROPE_TYPE_NORM, so no weight permutation."""
    inverse = 1.0 / (config.rope_theta ** (torch.arange(0, config.head_dim, 2).float() / config.head_dim))
    angles = torch.outer(torch.arange(config.context).float(), inverse)
    return torch.cos(angles), torch.sin(angles)


def rotate(x, cos, sin):
    # x: (batch, heads, time, head_dim)
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    even, odd = pairs[..., 0], pairs[..., 1]
    cos, sin = cos[: x.shape[-2]], sin[: x.shape[-2]]
    return torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        kv_dim = config.kv_heads * config.head_dim
        self.attn_norm = RmsNorm(config.dim, config.norm_eps)
        self.attn_q = nn.Linear(config.dim, config.dim, bias=False)
        self.attn_k = nn.Linear(config.dim, kv_dim, bias=False)
        self.attn_v = nn.Linear(config.dim, kv_dim, bias=False)
        self.attn_output = nn.Linear(config.dim, config.dim, bias=False)
        self.ffn_norm = RmsNorm(config.dim, config.norm_eps)
        self.ffn_gate = nn.Linear(config.dim, config.ffn_dim, bias=False)
        self.ffn_up = nn.Linear(config.dim, config.ffn_dim, bias=False)
        self.ffn_down = nn.Linear(config.ffn_dim, config.dim, bias=False)

    def forward(self, x, cos, sin, mask):
        c = self.config
        batch, time, _ = x.shape
        h = self.attn_norm(x)
        q = self.attn_q(h).view(batch, time, c.heads, c.head_dim).transpose(1, 2)
        k = self.attn_k(h).view(batch, time, c.kv_heads, c.head_dim).transpose(1, 2)
        v = self.attn_v(h).view(batch, time, c.kv_heads, c.head_dim).transpose(1, 2)
        q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if c.kv_heads != c.heads:
            k = k.repeat_interleave(c.heads // c.kv_heads, dim=1)
            v = v.repeat_interleave(c.heads // c.kv_heads, dim=1)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c.head_dim) + mask[:time, :time]
        attended = (F.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(batch, time, c.dim)
        x = x + self.attn_output(attended)
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


class Llama(nn.Module):
    """Tied input/output embeddings: llama.cpp uses token_embd as the output matrix when output.weight is absent."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.token_embd = nn.Embedding(config.vocab_size, config.dim)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.output_norm = RmsNorm(config.dim, config.norm_eps)
        cos, sin = rotary_tables(config)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        mask = torch.full((config.context, config.context), float("-inf")).triu(1)
        self.register_buffer("mask", mask, persistent=False)
        for name, parameter in self.named_parameters():
            if parameter.dim() == 2:
                # Scaled init for residual projections keeps early training stable (GPT-2 style).
                std = 0.02 / math.sqrt(2 * config.layers) if name.endswith(("attn_output.weight", "ffn_down.weight")) else 0.02
                nn.init.normal_(parameter, mean=0.0, std=std)

    def forward(self, tokens):
        x = self.token_embd(tokens)
        for block in self.blocks:
            x = block(x, self.cos, self.sin, self.mask)
        return self.output_norm(x) @ self.token_embd.weight.T

    def parameter_count(self):
        return sum(parameter.numel() for parameter in self.parameters())
