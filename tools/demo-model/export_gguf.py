"""Writes a trained model and its SentencePiece tokenizer as a GGUF file that llama.cpp (and node-llama-cpp) loads."""
from gguf_writer import BOOL, FLOAT32, INT32, STRING, UINT32, GgufWriter

# ChatML markers laid out as close to the training token sequence as node-llama-cpp's Jinja wrapper can render.
# SentencePiece's NFKC normalisation turned each "\n" of "<|im_start|>user\n…<|im_end|>\n" into a space, so the model
# learned "▁<|im_start|>user▁Tell…<|im_end|>▁<|im_start|>assistant▁And…". The wrapper tokenises the role and the content
# as separate fragments, so the template leaves the space before the content out (else it becomes a lone "▁") and
# ends the generation prompt right after "assistant"; add_space_prefix is off so llama.cpp adds no "▁" of its own.
# The one remaining difference from training is the first content word's leading "▁".
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ ' <|im_start|>' + message['role'] + message['content'] + '<|im_end|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ ' <|im_start|>assistant' }}{% endif %}"
)

# llama.cpp token types.
NORMAL, UNKNOWN, CONTROL, UNUSED, BYTE = 1, 2, 3, 5, 6


def token_type(sp, index):
    if sp.is_unknown(index):
        return UNKNOWN
    if sp.is_control(index):
        return CONTROL
    if sp.is_unused(index):
        return UNUSED
    if sp.is_byte(index):
        return BYTE
    # The ChatML markers are control tokens: llama.cpp treats the end-of-turn marker as one anyway.
    if sp.id_to_piece(index) in ("<|im_start|>", "<|im_end|>"):
        return CONTROL
    return NORMAL


def export_gguf(model, sp, path):
    """Writes a trained torch model and its tokenizer."""
    state = {name: tensor.detach().float().contiguous().numpy() for name, tensor in model.state_dict().items()}
    tensors = [("token_embd.weight", state["token_embd.weight"])]
    for index in range(model.config.layers):
        for part in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"):
            tensors.append((f"blk.{index}.{part}.weight", state[f"blocks.{index}.{part}.weight"]))
    tensors.append(("output_norm.weight", state["output_norm.weight"]))
    write_gguf(model.config, sp, tensors, path)


def write_gguf(config, sp, tensors, path):
    """Writes the llama metadata, the tokenizer and the given (name, float32 array) tensors."""
    writer = GgufWriter()
    writer.add("general.architecture", STRING, "llama")
    writer.add("general.name", STRING, "gantry-demo")
    writer.add("general.description", STRING, "Gantry's demo model: a tiny llama trained on the King James Version. For demos and tests only.")
    writer.add("general.license", STRING, "MIT (weights); training text in the public domain")
    writer.add("general.file_type", UINT32, 0)
    writer.add("llama.context_length", UINT32, config.context)
    writer.add("llama.embedding_length", UINT32, config.dim)
    writer.add("llama.block_count", UINT32, config.layers)
    writer.add("llama.feed_forward_length", UINT32, config.ffn_dim)
    writer.add("llama.attention.head_count", UINT32, config.heads)
    writer.add("llama.attention.head_count_kv", UINT32, config.kv_heads)
    writer.add("llama.rope.dimension_count", UINT32, config.head_dim)
    writer.add("llama.rope.freq_base", FLOAT32, config.rope_theta)
    writer.add("llama.attention.layer_norm_rms_epsilon", FLOAT32, config.norm_eps)
    writer.add("llama.vocab_size", UINT32, config.vocab_size)
    writer.add("tokenizer.ggml.model", STRING, "llama")
    writer.add_array("tokenizer.ggml.tokens", STRING, [sp.id_to_piece(i) for i in range(sp.vocab_size())])
    writer.add_array("tokenizer.ggml.scores", FLOAT32, [sp.get_score(i) for i in range(sp.vocab_size())])
    writer.add_array("tokenizer.ggml.token_type", INT32, [token_type(sp, i) for i in range(sp.vocab_size())])
    writer.add("tokenizer.ggml.unknown_token_id", UINT32, sp.unk_id())
    writer.add("tokenizer.ggml.bos_token_id", UINT32, sp.bos_id())
    # Generation ends at the end of an assistant turn.
    writer.add("tokenizer.ggml.eos_token_id", UINT32, sp.piece_to_id("<|im_end|>"))
    writer.add("tokenizer.ggml.add_bos_token", BOOL, True)
    writer.add("tokenizer.ggml.add_eos_token", BOOL, False)
    writer.add("tokenizer.ggml.add_space_prefix", BOOL, False)
    writer.add("tokenizer.chat_template", STRING, CHAT_TEMPLATE)
    for name, array in tensors:
        writer.add_tensor(name, array)
    writer.write(path)
