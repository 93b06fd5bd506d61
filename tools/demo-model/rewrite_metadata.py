"""Rewrites a trained gantry-demo.gguf's metadata (template, tokenizer flags) from export_gguf.py, keeping its weights.

Used when only the metadata changes, so the 50-minute training need not run again:
  /usr/bin/python3 rewrite_metadata.py ../../models/gantry-demo/gantry-demo.gguf
"""
import json
import os
import sys

import sentencepiece as spm

from export_gguf import write_gguf
from gguf_writer import read_f32_tensors
from model import Config

path = sys.argv[1] if len(sys.argv) > 1 else "../../models/gantry-demo/gantry-demo.gguf"
with open(os.path.join(os.path.dirname(path), "training.json")) as file:
    settings = json.load(file)["config"]
sp = spm.SentencePieceProcessor(model_file=os.path.join(settings["work"], "tokenizer.model"))
config = Config(sp.vocab_size(), dim=settings["dim"], layers=settings["layers"], heads=settings["heads"], kv_heads=settings["heads"], ffn_dim=settings["ffn"], context=settings["context"])
tensors = read_f32_tensors(path)
write_gguf(config, sp, tensors, path + ".tmp")
os.replace(path + ".tmp", path)
print(f"rewrote the metadata of {path} ({len(tensors)} tensors kept)")
