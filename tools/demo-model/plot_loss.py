"""Draws the training and held-out loss curves from training.json as a PNG for the model card."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

source = sys.argv[1] if len(sys.argv) > 1 else "../../models/gantry-demo/training.json"
target = sys.argv[2] if len(sys.argv) > 2 else "../../models/gantry-demo/loss-curve.png"
with open(source) as file:
    history = json.load(file)["history"]
figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
axes.plot([h["step"] for h in history], [h["train_loss"] for h in history], label="training batch loss", linewidth=1)
evaluated = [h for h in history if "eval_loss" in h]
axes.plot([h["step"] for h in evaluated], [h["eval_loss"] for h in evaluated], "o-", label="held-out loss (last 2% of verses)", markersize=3)
axes.set_xlabel("step (4,096 tokens each)")
axes.set_ylabel("cross-entropy (nats per token)")
axes.set_title("gantry-demo training loss")
axes.grid(alpha=0.3)
axes.legend()
figure.tight_layout()
figure.savefig(target)
print(f"wrote {target}")
