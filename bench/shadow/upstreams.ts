// One of the shadow bench's model servers, in a process of its own (the primary and the candidate are separate
// servers in production, so neither's load slows the other here): a fake upstream answering after a fixed delay with a
// text that depends only on the prompt (so the same prompt always gets the same bytes). The candidate answers like the
// primary except for one prompt in ten, so agreement is neither 0 nor 1.
// Prints `url=URL` on stdout. Env: FAKE_ROLE (primary or candidate), FAKE_DELAY_MS (default 30).
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

const upstream = await startFakeUpstream({ record: false, chooseBehavior: answering(process.env["FAKE_ROLE"] === "candidate") });
process.stdout.write(`url=${upstream.baseUrl}\n`);
process.on("SIGTERM", () => void upstream.close().then(() => process.exit(0)));
