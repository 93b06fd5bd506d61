// The shadow bench's model servers, in a process of their own: a primary and a candidate fake upstream, each answering
// after a fixed delay with a text that depends only on the prompt (so the same prompt always gets the same bytes).
// The candidate answers like the primary except for one prompt in ten, so agreement is neither 0 nor 1.
// Prints `primary=URL candidate=URL` on stdout. Env: FAKE_DELAY_MS (default 30).
import { startFakeUpstream, type FakeBehavior, type RecordedCall } from "../../test/helpers/fake-upstream.js";

const delayMs = Number(process.env["FAKE_DELAY_MS"] ?? 30);

/** The last message's text: the prompt the answer is derived from. */
function promptOf(call: RecordedCall): string {
  const messages = call.body?.["messages"];
  const last: unknown = Array.isArray(messages) ? messages.at(-1) : undefined;
  const content = typeof last === "object" && last !== null ? (last as { content?: unknown }).content : undefined;
  return typeof content === "string" ? content : "";
}

function answering(candidate: boolean): (call: RecordedCall) => FakeBehavior {
  return (call) => {
    const prompt = promptOf(call);
    const text = candidate && prompt.endsWith("7") ? "No idea." : `An answer to "${prompt}", from a fake model that always says the same.`;
    return { kind: "ok", delayMs, text };
  };
}

const primary = await startFakeUpstream({ record: false, chooseBehavior: answering(false) });
const candidate = await startFakeUpstream({ record: false, chooseBehavior: answering(true) });
process.stdout.write(`primary=${primary.baseUrl} candidate=${candidate.baseUrl}\n`);
process.on("SIGTERM", () => void Promise.all([primary.close(), candidate.close()]).then(() => process.exit(0)));
