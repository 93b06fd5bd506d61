import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GatewayError } from "../../src/errors/gateway-error.js";
import { chatCompletionRequestSchema, completionRequestSchema, embeddingRequestSchema } from "../../src/protocol/openai-requests.js";
import { validateRequest } from "../../src/protocol/validate-request.js";

const valid = {
  chat: { schema: chatCompletionRequestSchema, body: { model: "m", messages: [{ role: "user", content: "hi" }], stream: true } },
  completion: { schema: completionRequestSchema, body: { model: "m", prompt: "hi", stream: true } },
  embedding: { schema: embeddingRequestSchema, body: { model: "m", input: "hi" } },
} as const;

/** One value of each JSON type; null is left out because most optional fields are nullable. */
const wrongValues: readonly [string, unknown][] = [
  ["string", "x"],
  ["number", 1.5],
  ["boolean", true],
  ["object", { nope: 1 }],
  ["array", [{}]],
];

function rejection(schema: z.ZodType, body: unknown): GatewayError | undefined {
  try {
    validateRequest(schema, body);
    return undefined;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
}

describe("validation errors name the field, the expected type and the received type", () => {
  for (const [operation, { schema, body }] of Object.entries(valid)) {
    for (const field of Object.keys(schema.shape)) {
      it(`${operation}: ${field}`, () => {
        let rejected = 0;
        for (const [type, value] of wrongValues) {
          const error = rejection(schema, { ...body, [field]: value });
          if (error === undefined) continue;
          rejected++;
          expect(error.status).toBe(400);
          expect(error.param?.startsWith(field)).toBe(true);
          if (error.param === field) {
            // The field itself has the wrong type (both types named), or the right type with a value out of range.
            expect(error.message).toMatch(new RegExp(`^${field}: (expected [^,]+, got ${type}|(Too big|Too small|Invalid option).*)$`));
          } else {
            // A container of the right type with a wrong or missing item inside: the item's path is named.
            expect(error.message).toMatch(new RegExp(`^${error.param?.replace(/[[\].]/g, "\\$&")}(: expected [^,]+, got \\w+| is required|: .+)$`));
          }
        }
        expect(rejected).toBeGreaterThanOrEqual(3);
      });
    }
  }

  it("reports the exact types, integers as integers", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ max_tokens: "5" }, "max_tokens: expected integer, got string"],
      [{ temperature: "0.5" }, "temperature: expected number, got string"],
      [{ stream: "true" }, "stream: expected boolean, got string"],
      [{ model: 5 }, "model: expected string, got number"],
      [{ stop: 5 }, "stop: expected string or array, got number"],
      [{ stop: ["a", 5] }, "stop[1]: expected string, got number"],
      [{ messages: [{ role: "user", content: 5 }] }, "messages[0].content: expected string or array or null, got number"],
    ];
    for (const [fields, message] of cases) {
      const error = rejection(chatCompletionRequestSchema, { ...valid.chat.body, ...fields });
      expect(error?.message).toBe(message);
    }
  });

  it("a missing field is reported as required", () => {
    const error = rejection(chatCompletionRequestSchema, { model: "m" });
    expect(error?.message).toBe("messages is required");
    expect(error?.param).toBe("messages");
  });
});
