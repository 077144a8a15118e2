"""A small character-level GPT and its trainer, after Karpathy's minGPT (MIT licence).

The model is minGPT's: token and position embeddings, ``n_layer`` pre-LayerNorm blocks of causal
multi-head self-attention and an MLP, a final LayerNorm and a linear head to the vocabulary. The
loss ignores the padding character (index 0), so a dataset says which positions count by
putting PAD in the targets everywhere else. The trainer is minGPT's too: AdamW with weight decay
on the matrices only, linear warm-up then cosine decay, gradient clipping, a ``tqdm`` bar and
``device="auto"`` (cuda, then mps, then cpu).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

PAD_CHAR = "\u25a1"  # □ pads every example to the block size; index 0, ignored by the loss
MASK_CHAR = "\u2047"  # ⁇ marks a masked span, and the question/answer boundary; index 1


class CharVocab:
    """Characters <-> integer ids; PAD is 0 and MASK is 1, the other characters sorted after."""

    def __init__(self, chars):
        chars = sorted(set(chars) - {PAD_CHAR, MASK_CHAR})
        self.itos = [PAD_CHAR, MASK_CHAR, *chars]
        self.stoi = {c: i for i, c in enumerate(self.itos)}

    @classmethod
    def from_texts(cls, texts):
        return cls(set().union(*map(set, texts)))

    def __len__(self):
        return len(self.itos)

    def encode(self, text):
        """str -> LongTensor (len(text),)."""
        unknown = sorted({c for c in text if c not in self.stoi})
        if unknown:
            raise ValueError(
                f"characters {unknown} are not in the vocabulary (built from the pretraining "
                "corpus): build the CharVocab from every text the model will read"
            )
        return torch.tensor([self.stoi[c] for c in text], dtype=torch.long)

    def decode(self, ids):
        return "".join(self.itos[int(i)] for i in ids)


@dataclass
class GPTConfig:
    vocab_size: int  # number of distinct characters, PAD and MASK included
    block_size: int  # the longest input the model reads (positions 0 .. block_size - 1)
    n_layer: int = 4  # number of transformer blocks
    n_head: int = 8  # attention heads per block; n_embd must be divisible by it
    n_embd: int = 256  # width of the residual stream
    dropout: float = 0.1  # on embeddings, attention weights and block outputs


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends only to positions <= t."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(
                f"n_embd={config.n_embd} is not divisible by n_head={config.n_head}: "
                "pick n_embd as a multiple of n_head"
            )
        self.n_head = config.n_head
        self.key = nn.Linear(config.n_embd, config.n_embd)
        self.query = nn.Linear(config.n_embd, config.n_embd)
        self.value = nn.Linear(config.n_embd, config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.attn_drop = nn.Dropout(config.dropout)
        self.resid_drop = nn.Dropout(config.dropout)
        mask = torch.tril(torch.ones(config.block_size, config.block_size, dtype=torch.bool))
        self.register_buffer("mask", mask.view(1, 1, config.block_size, config.block_size))

    def forward(self, x):
        B, T, C = x.shape  # (B, T, d)
        hs = C // self.n_head
        k = self.key(x).view(B, T, self.n_head, hs).transpose(1, 2)  # (B, h, T, hs)
        q = self.query(x).view(B, T, self.n_head, hs).transpose(1, 2)  # (B, h, T, hs)
        v = self.value(x).view(B, T, self.n_head, hs).transpose(1, 2)  # (B, h, T, hs)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)  # (B, h, T, T)
        att = att.masked_fill(~self.mask[:, :, :T, :T], float("-inf"))
        att = self.attn_drop(F.softmax(att, dim=-1))  # (B, h, T, T)
        y = att @ v  # (B, h, T, hs)
        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, d)
        return self.resid_drop(self.proj(y))  # (B, T, d)


class Block(nn.Module):
    """One transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.ln1 = nn.LayerNorm(config.n_embd)
        self.ln2 = nn.LayerNorm(config.n_embd)
        self.attn = CausalSelfAttention(config)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd),
            nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd),
            nn.Dropout(config.dropout),
        )

    def forward(self, x):  # (B, T, d) -> (B, T, d)
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """The language model: ids (B, T) -> logits (B, T, vocab), and the loss if targets given."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.block_size = config.block_size
        self.tok_emb = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos_emb = nn.Parameter(torch.zeros(1, config.block_size, config.n_embd))
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.Sequential(*[Block(config) for _ in range(config.n_layer)])
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.apply(self._init_weights)

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)

    def forward(self, idx, targets=None):
        B, T = idx.shape  # (B, T)
        if T > self.block_size:
            raise ValueError(
                f"input of length {T} is longer than block_size={self.block_size}: "
                "truncate it or build the model with a larger block_size"
            )
        x = self.drop(self.tok_emb(idx) + self.pos_emb[:, :T, :])  # (B, T, d)
        x = self.ln_f(self.blocks(x))  # (B, T, d)
        logits = self.head(x)  # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=0
            )
        return logits, loss

    def configure_optimizer(self, learning_rate, weight_decay, betas):
        """AdamW; weight decay on the Linear weights only (not biases, LayerNorms, embeddings)."""
        decay = {
            f"{mn}.weight" if mn else "weight"
            for mn, m in self.named_modules()
            if isinstance(m, nn.Linear)
        }
        params = dict(self.named_parameters())
        groups = [
            {"params": [p for n, p in params.items() if n in decay], "weight_decay": weight_decay},
            {"params": [p for n, p in params.items() if n not in decay], "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(groups, lr=learning_rate, betas=betas)


@torch.no_grad()
def generate(model, x, steps, stop_id=None):
    """Greedy continuation of ids x (B, T) by ``steps`` ids (fewer if every row hit stop_id)."""
    model.eval()
    stopped = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)  # (B,)
    for _ in range(steps):
        x_cond = x[:, -model.block_size :]  # (B, <= block_size)
        logits, _ = model(x_cond)  # (B, T, V)
        nxt = logits[:, -1, :].argmax(dim=-1, keepdim=True)  # (B, 1)
        x = torch.cat([x, nxt], dim=1)  # (B, T + 1)
        if stop_id is not None:
            stopped |= nxt[:, 0] == stop_id
            if bool(stopped.all()):
                break
    return x


@dataclass
class TrainerConfig:
    max_epochs: int = 10  # passes over the dataset (max_iters, if set, stops earlier)
    max_iters: int | None = None  # stop after this many optimizer steps
    batch_size: int = 64  # examples per step
    learning_rate: float = 6e-4  # peak learning rate, after warm-up
    betas: tuple = (0.9, 0.95)  # AdamW's betas
    weight_decay: float = 0.1  # on Linear weights only
    grad_norm_clip: float = 1.0  # clip the gradients' global norm to this
    warmup_frac: float = 0.05  # fraction of all steps spent warming the learning rate up
    lr_decay: bool = True  # cosine decay to 10% of the peak after warm-up
    num_workers: int = 0  # DataLoader workers; 0 is safest on laptops and Colab
    device: str = "auto"  # "auto": cuda, then mps, then cpu
    seed: int = 0  # shuffling order
    progress: bool = True  # show a tqdm bar


def resolve_device(device="auto"):
    if device != "auto":
        return torch.device(device)
    from nlpcourse.setup_cell import pick_device

    return torch.device(pick_device())


class Trainer:
    """Trains ``model`` on ``dataset`` (items are (x, y) LongTensors of length block_size)."""

    def __init__(self, model, dataset, config: TrainerConfig):
        self.model = model
        self.dataset = dataset
        self.config = config
        self.device = resolve_device(config.device)
        self.losses = []

    def train(self):
        cfg, model = self.config, self.model.to(self.device)
        if len(self.dataset) == 0:
            raise ValueError("the training dataset is empty: nothing to train on")
        gen = torch.Generator().manual_seed(cfg.seed)
        loader = DataLoader(
            self.dataset,
            batch_size=cfg.batch_size,
            shuffle=True,
            generator=gen,
            num_workers=cfg.num_workers,
            drop_last=len(self.dataset) > cfg.batch_size,
        )
        total = cfg.max_epochs * len(loader)
        if cfg.max_iters is not None:
            total = min(total, cfg.max_iters)
        warmup = max(1, int(cfg.warmup_frac * total))
        opt = model.configure_optimizer(cfg.learning_rate, cfg.weight_decay, cfg.betas)
        bar = tqdm(total=total, disable=not cfg.progress, leave=False)
        step = 0
        model.train()
        while step < total:
            for x, y in loader:
                if step >= total:
                    break
                lr = cfg.learning_rate
                if cfg.lr_decay:
                    if step < warmup:
                        lr *= (step + 1) / warmup
                    else:
                        progress = (step - warmup) / max(1, total - warmup)
                        lr *= 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))
                for group in opt.param_groups:
                    group["lr"] = lr
                x, y = x.to(self.device), y.to(self.device)  # (B, T), (B, T)
                _, loss = model(x, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_norm_clip)
                opt.step()
                self.losses.append(loss.item())
                step += 1
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.1e}")
        bar.close()
        model.eval()
        return self.losses


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
