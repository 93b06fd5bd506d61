/**
 * ioredis writes a pipeline (a MULTI transaction too) to the socket as one buffer, once every command of it has been
 * handed over, but it queues each command for its reply as it is handed over. A wrapper of `sendCommand` that lets
 * some commands of a pipeline through and fails the others leaves the ones let through waiting for replies that never
 * come (the buffer is never written), and every later reply on that connection then settles the wrong command. So a
 * wrapper decides once per pipeline: the commands of one pipeline share the `stream` argument, and each gets the
 * decision the first one got.
 */
export function createPipelineDecision(): (stream: unknown, decide: () => boolean) => boolean {
  const decisions = new WeakMap<object, boolean>();
  return (stream, decide) => {
    if (typeof stream !== "object" || stream === null) return decide();
    const known = decisions.get(stream);
    if (known !== undefined) return known;
    const decision = decide();
    decisions.set(stream, decision);
    return decision;
  };
}
