// The 4 MiB bodies the big-body, hostile-bodies and body-blocking benches send.

/** 64 messages × 63 KiB of varied English-like text (not one repeated character, which tokenizes unrealistically fast). */
export function bigChatBody(model: string): string {
  const words = "the gateway reads every message of this request before it forwards it upstream while other tenants wait ";
  const message = words.repeat(Math.ceil((63 * 1024) / words.length)).slice(0, 63 * 1024);
  return JSON.stringify({ model, messages: Array.from({ length: 64 }, (_, index) => ({ role: index % 2 === 0 ? "user" : "assistant", content: message })) });
}

/** The size of each hostile body: just under 4 MiB. */
export const hostileBodyBytes = 4 * 1024 * 1024 - 64;

/** `prefix` + `item` repeated (comma-separated) + `suffix`, as close to `hostileBodyBytes` as fits. */
function fill(prefix: string, item: string, suffix: string): string {
  const count = Math.floor((hostileBodyBytes - prefix.length - suffix.length + 1) / (item.length + 1));
  return prefix + Array.from({ length: count }, () => item).join(",") + suffix;
}

/**
 * 4 MiB hostile bodies for `model` (many tiny messages, token ids, empty arrays, logit_bias entries, content parts) and
 * the common legitimate 4 MiB body, one image as a data URL, for `bulkModel`. The image has no spaces, so the fake
 * upstream's whitespace tokenizer (a separate process on the same cores) does not dominate the figures.
 */
export function hostileBodies(model: string, bulkModel: string) {
  return {
    "tiny messages": fill(`{"model":"${model}","messages":[`, '{"role":"user","content":"x"}', "]}"),
    "token ids": fill(`{"model":"${model}","prompt":[`, "7", "]}"),
    "empty arrays": fill(`{"model":"${model}","messages":[{"role":"user","content":"x"}],"x":[`, "[]", "]}"),
    "logit_bias entries": fill(`{"model":"${model}","messages":[{"role":"user","content":"x"}],"logit_bias":{`, '"1":1', "}}"),
    "content parts": fill(`{"model":"${model}","messages":[{"role":"user","content":[`, '{"type":"text"}', "]}]}"),
    "4 MiB image (legitimate)": JSON.stringify({
      model: bulkModel,
      messages: [{ role: "user", content: [{ type: "text", text: "What is in this picture?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${"iVBORw0KGgo".repeat(Math.floor((hostileBodyBytes - 200) / 11))}` } }] }],
    }),
  } as const satisfies Record<string, string>;
}

/** The path a hostile body of `kind` goes to (token ids are a completions prompt). */
export function hostilePath(kind: string): string {
  return kind === "token ids" ? "/v1/completions" : "/v1/chat/completions";
}
