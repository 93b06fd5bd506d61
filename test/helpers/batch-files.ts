import OpenAI, { toFile } from "openai";

/** Chat batch lines `r0…r{count-1}`; every `repeatEvery`-th line repeats line 0's request (answered once, written for each). */
export function chatBatchLines(count: number, repeatEvery = 0): string[] {
  return Array.from({ length: count }, (_unused, index) => {
    const content = repeatEvery > 0 && index % repeatEvery === 0 ? "line 0" : `line ${index}`;
    return JSON.stringify({ custom_id: `r${index}`, method: "POST", url: "/v1/chat/completions", body: { model: "story", messages: [{ role: "user", content }] } });
  });
}

/** Uploads `lines` and creates a chat batch over them; resolves with the batch id. */
export async function createChatBatch(client: OpenAI, lines: readonly string[]): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join("\n")), "input.jsonl"), purpose: "batch" });
  return (await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" })).id;
}

/** Polls until the batch satisfies `done`. */
export async function pollBatch(client: OpenAI, id: string, done: (batch: OpenAI.Batches.Batch) => boolean, everyMs = 50): Promise<OpenAI.Batches.Batch> {
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (done(batch)) return batch;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Exact accounting of a finished batch: how often each custom_id appears across its output and error files. */
export async function batchAccounting(client: OpenAI, batch: OpenAI.Batches.Batch): Promise<{ appearances: Map<string, number>; output: number; errors: number }> {
  const read = async (id: string | null | undefined): Promise<string[]> =>
    id === null || id === undefined ? [] : (await (await client.files.content(id)).text()).trim().split("\n").map((text) => String((JSON.parse(text) as { custom_id: string }).custom_id));
  const output = await read(batch.output_file_id);
  const errors = await read(batch.error_file_id);
  const appearances = new Map<string, number>();
  for (const id of [...output, ...errors]) appearances.set(id, (appearances.get(id) ?? 0) + 1);
  return { appearances, output: output.length, errors: errors.length };
}
