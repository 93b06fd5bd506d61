"""Trains Gantry's demo model on the King James Version and writes it as GGUF.

Run from this directory (see README.md):  /usr/bin/python3 train.py
Everything is seeded; the same corpus, steps and thread count give the same weights.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

from export_gguf import export_gguf
from model import Config, Llama

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are a storyteller.", "Answer briefly.", "You are Gantry's demo model."]


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="corpus/kjv.txt")
    parser.add_argument("--out", default="../../models/gantry-demo")
    parser.add_argument("--work", default="work", help="tokenizer files and other intermediates (not committed)")
    parser.add_argument("--vocab", type=int, default=2048)
    parser.add_argument("--dim", type=int, default=160)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--heads", type=int, default=5)
    parser.add_argument("--ffn", type=int, default=448)
    parser.add_argument("--context", type=int, default=512)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1611)
    parser.add_argument("--chat-fraction", type=float, default=0.5, help="share of training sequences in the chat template")
    return parser.parse_args()


def train_tokenizer(corpus, prefix, vocab):
    """BPE with byte fallback (no unknown bytes ever), ChatML markers as whole tokens, llama's <unk>/<s>/</s> ids."""
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type="bpe", vocab_size=vocab, character_coverage=1.0,
        byte_fallback=True, user_defined_symbols=[IM_START, IM_END], unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
        num_threads=1, split_digits=True, minloglevel=2,
    )
    return spm.SentencePieceProcessor(model_file=f"{prefix}.model")


def chat_sample(rng, verses, index):
    """One conversation in the ChatML template the GGUF carries: a verse asked, the next verses answered."""
    turns = []
    if rng.random() < 0.3:
        turns.append(f"{IM_START}system\n{rng.choice(SYSTEM_PROMPTS)}{IM_END}\n")
    answer = " ".join(verses[index + 1 : index + 1 + rng.randint(1, 3)])
    turns.append(f"{IM_START}user\n{verses[index]}{IM_END}\n{IM_START}assistant\n{answer}{IM_END}\n")
    return "".join(turns)


def make_batch(rng, sp, stream, verses, args):
    """Half plain text windows (for completions), half packed chat conversations (for chat)."""
    rows = []
    for _ in range(args.batch):
        if rng.random() < args.chat_fraction:
            ids = []
            while len(ids) < args.context + 1:
                ids += [sp.bos_id()] + sp.encode(chat_sample(rng, verses, rng.randrange(len(verses) - 4)))
            rows.append(ids[: args.context + 1])
        else:
            start = rng.randrange(len(stream) - args.context - 1)
            rows.append(stream[start : start + args.context + 1])
    batch = torch.tensor(rows, dtype=torch.long)
    return batch[:, :-1], batch[:, 1:]


def main():
    args = parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    started = time.time()

    with open(args.corpus, encoding="utf-8") as file:
        verses = [line.strip() for line in file if line.strip()]
    held_out = max(200, len(verses) // 50)
    train_verses, eval_verses = verses[:-held_out], verses[-held_out:]
    sp = train_tokenizer(args.corpus, os.path.join(args.work, "tokenizer"), args.vocab)
    stream = [token for verse in train_verses for token in sp.encode(verse + "\n")]
    eval_stream = [token for verse in eval_verses for token in sp.encode(verse + "\n")]
    print(f"corpus: {len(verses)} verses, {len(stream)} training tokens, {len(eval_stream)} held-out tokens, vocab {sp.vocab_size()}")

    config = Config(sp.vocab_size(), dim=args.dim, layers=args.layers, heads=args.heads, kv_heads=args.heads, ffn_dim=args.ffn, context=args.context)
    model = Llama(config)
    print(f"model: {model.parameter_count():,} parameters")
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    warmup = max(1, args.steps // 20)
    rng = random.Random(args.seed)
    history = []

    def evaluate():
        model.eval()
        with torch.no_grad():
            windows = [eval_stream[i : i + args.context + 1] for i in range(0, len(eval_stream) - args.context - 1, args.context)][:16]
            batch = torch.tensor(windows, dtype=torch.long)
            loss = F.cross_entropy(model(batch[:, :-1]).reshape(-1, config.vocab_size), batch[:, 1:].reshape(-1)).item()
        model.train()
        return loss

    train_started = time.time()
    for step in range(1, args.steps + 1):
        lr = args.lr * (step / warmup if step <= warmup else 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (args.steps - warmup))))
        for group in optimizer.param_groups:
            group["lr"] = lr
        inputs, targets = make_batch(rng, sp, stream, train_verses, args)
        loss = F.cross_entropy(model(inputs).reshape(-1, config.vocab_size), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 25 == 0 or step == 1 or step == args.steps:
            entry = {"step": step, "train_loss": round(loss.item(), 4), "lr": lr, "seconds": round(time.time() - train_started, 1)}
            if step % 100 == 0 or step == args.steps:
                entry["eval_loss"] = round(evaluate(), 4)
            history.append(entry)
            print(json.dumps(entry), flush=True)

    training_seconds = time.time() - train_started
    export_gguf(model, sp, os.path.join(args.out, "gantry-demo.gguf"))
    summary = {
        "corpus": "King James Version (Debian bible-kjv-text), public domain",
        "verses": len(verses), "training_tokens": len(stream), "vocab": sp.vocab_size(),
        "parameters": model.parameter_count(), "config": vars(args),
        "training_seconds": round(training_seconds, 1), "total_seconds": round(time.time() - started, 1),
        "final_train_loss": history[-1]["train_loss"], "final_eval_loss": history[-1].get("eval_loss"),
        "torch": torch.__version__, "history": history,
    }
    with open(os.path.join(args.out, "training.json"), "w") as file:
        json.dump(summary, file, indent=1)
    print(f"trained {args.steps} steps in {training_seconds / 60:.1f} min; wrote {args.out}/gantry-demo.gguf")


if __name__ == "__main__":
    main()
