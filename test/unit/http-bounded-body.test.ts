import { describe, expect, it } from "vitest";
import { createJsonScanner, prescanJson } from "../../src/http/prescan-json.js";
import { createLargeBodyGate } from "../../src/http/large-body-gate.js";
import { checkElementCounts } from "../../src/protocol/check-element-counts.js";
import { requestLimitsConfigSchema } from "../../src/protocol/request-limits-config-schema.js";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { completionRequestSchema, embeddingRequestSchema } from "../../src/protocol/openai-requests.js";
import { validateRequest } from "../../src/protocol/validate-request.js";

const scan = (text: string, maxDepth = 4, maxElements = 10): string | undefined => prescanJson(Buffer.from(text), { maxDepth, maxElements });

describe("prescanJson", () => {
  it("counts depth and elements outside strings only", () => {
    expect(scan('{"a":[[[1]]]}')).toBeUndefined();
    expect(scan('{"a":[[[[1]]]]}')).toBe("too_deep");
    expect(scan("[1,2,3,4,5,6,7,8,9]")).toBeUndefined();
    expect(scan("[1,2,3,4,5,6,7,8,9,10,11]")).toBe("too_many_elements");
    expect(scan('["[[[[[[,,,,,,,,,,,,,,"]')).toBeUndefined();
  });

  it("honours escaped quotes and backslash runs inside strings", () => {
    expect(scan('["a\\"[[[[[[,,,,,,,,,,,"]')).toBeUndefined();
    expect(scan('["a\\\\",[[[[[1]]]]]]')).toBe("too_deep");
    expect(scan('["\\\\\\"[[[[[["]')).toBeUndefined();
    expect(scan('["unterminated [[[[[[')).toBeUndefined();
  });

  it("gives the same verdict whatever the chunking, escapes and strings split across chunks included", () => {
    const bodies = ['["a\\",[[[[[1]]]]]]', '["\\\\\"[[[[[["]', '{"a":"x\\"}', '{"k\\":[1,2,3,4,5,6,7,8,9,10,11]}', '["a\\\\",[[[[[1]]]]]]', '{"a":"\\\\\\","b":[[[[[[]]]]]]}', '[1,"\\"",[[[[[0]]]]]]'];
    for (const text of bodies) {
      const bytes = Buffer.from(text);
      const whole = prescanJson(bytes, { maxDepth: 4, maxElements: 10 });
      for (let size = 1; size <= bytes.length; size++) {
        const scanner = createJsonScanner({ maxDepth: 4, maxElements: 10 });
        let verdict: string | undefined;
        for (let at = 0; at < bytes.length && verdict === undefined; at += size) verdict = scanner.push(bytes.subarray(at, at + size));
        expect({ text, size, verdict }).toEqual({ text, size, verdict: whole });
      }
    }
    expect(prescanJson(Buffer.from('{"a":"x\\"}'), { maxDepth: 4, maxElements: 10 })).toBeUndefined();
    expect(prescanJson(Buffer.from('["a\\\\",[[[[[1]]]]]]'), { maxDepth: 4, maxElements: 10 })).toBe("too_deep");
  });
});

describe("checkElementCounts", () => {
  const limits = requestLimitsConfigSchema.parse({ max_messages: 2, max_content_parts: 1, max_tools: 1, max_stop_sequences: 1, max_logit_bias: 1, max_prompts: 2, max_token_ids: 3 });
  const refused = (body: Record<string, unknown>): { param: string | null; message: string } | undefined => {
    try {
      checkElementCounts(body, limits);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe("too_many_elements");
      return { param: (error as GatewayError).param, message: (error as GatewayError).message };
    }
  };

  it("names the field and the limit", () => {
    expect(refused({ messages: [1, 2, 3] })).toEqual({ param: "messages", message: "messages has 3 items; this gateway allows at most 2." });
    expect(refused({ messages: [{ content: "x" }, { content: [1, 2] }] })?.param).toBe("messages[1].content");
    expect(refused({ tools: [1, 2] })?.param).toBe("tools");
    expect(refused({ stop: ["a", "b"] })?.param).toBe("stop");
    expect(refused({ logit_bias: { 1: 1, 2: 1 } })?.param).toBe("logit_bias");
    expect(refused({ prompt: [1, 2, 3, 4] })?.message).toBe("prompt has 4 token ids; this gateway allows at most 3.");
    expect(refused({ input: [[1, 2], [3, 4]] })?.message).toContain("4 token ids");
    expect(refused({ input: ["a", "b", "c"] })?.message).toContain("3 prompts");
  });

  it("lets requests within the limits through", () => {
    expect(refused({ messages: [{ content: [1] }, { content: "x" }], tools: [1], stop: "x", logit_bias: { 1: 1 }, prompt: [[1], [2, 3]] })).toBeUndefined();
  });
});

describe("prompt and input validation", () => {
  it("accepts each prompt shape and refuses mixes in one pass", () => {
    expect(validateRequest(completionRequestSchema, { model: "m", prompt: [[1, 2], [3]] }).prompt).toEqual([[1, 2], [3]]);
    expect(validateRequest(completionRequestSchema, { model: "m", prompt: [] }).prompt).toEqual([]);
    expect(() => validateRequest(completionRequestSchema, { model: "m", prompt: ["a", 1] })).toThrow("prompt: expected string or array of strings or token ids or token-id arrays, got array");
    expect(() => validateRequest(completionRequestSchema, { model: "m" })).toThrow("prompt is required");
    expect(() => validateRequest(embeddingRequestSchema, { model: "m", input: [[]] })).toThrow(/input\[0\]: empty array/);
    expect(() => validateRequest(embeddingRequestSchema, { model: "m", input: [1.5] })).toThrow("input: expected string or array of strings or token ids or token-id arrays, got array");
  });
});

describe("createLargeBodyGate", () => {
  it("admits up to its limit and frees a slot once per release", () => {
    const gate = createLargeBodyGate({ thresholdBytes: 10, maxConcurrent: 2 });
    const first = gate.tryAcquire();
    const second = gate.tryAcquire();
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(gate.tryAcquire()).toBeUndefined();
    first?.();
    first?.();
    expect(gate.inUse()).toBe(1);
    expect(gate.tryAcquire()).toBeDefined();
    expect(gate.tryAcquire()).toBeUndefined();
  });

  it("lines bodies up for a slot, in order, within the line's length and wait bound, and lets a leaver go", async () => {
    const timers: { callback: () => void; ms: number; cancelled: boolean }[] = [];
    const setTimer = (callback: () => void, ms: number): (() => void) => {
      const timer = { callback, ms, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    };
    const gate = createLargeBodyGate({ thresholdBytes: 10, maxConcurrent: 1, maxWaiting: 2, maxWaitMs: 500, setTimer });
    const first = await gate.acquire();
    const order: string[] = [];
    const second = gate.acquire().then((release) => (order.push("second"), release));
    const left = new AbortController();
    const third = gate.acquire(left.signal);
    // The line is full: refused at once; and a newcomer never overtakes the line through tryAcquire.
    expect(await gate.acquire()).toBeUndefined();
    expect(gate.tryAcquire()).toBeUndefined();
    expect(gate.waiting()).toBe(2);
    left.abort();
    expect(await third).toBeUndefined();
    first?.();
    const secondRelease = await second;
    expect(order).toEqual(["second"]);
    expect(gate.inUse()).toBe(1);
    // One more waits; its wait bound passes (the injected timer fires): refused, and out of the line.
    const fourth = gate.acquire();
    timers.at(-1)?.callback();
    expect(await fourth).toBeUndefined();
    expect(gate.waiting()).toBe(0);
    secondRelease?.();
    expect(gate.inUse()).toBe(0);
    expect(timers.slice(0, 2).every((timer) => timer.cancelled)).toBe(true);
  });

  it("runs exclusive work one at a time, each in its own event-loop turn, past a failed one", async () => {
    const gate = createLargeBodyGate({ thresholdBytes: 10, maxConcurrent: 4 });
    const order: string[] = [];
    // An immediate queued before the works runs between the first and the second: they never share a turn.
    const works = [
      gate.exclusive(() => {
        order.push("first");
        setImmediate(() => order.push("other I/O"));
      }),
      gate.exclusive(() => {
        order.push("second");
        throw new Error("bad body");
      }),
      gate.exclusive(() => order.push("third")),
    ];
    const settled = await Promise.allSettled(works);
    expect(order).toEqual(["first", "other I/O", "second", "third"]);
    expect(settled.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});
