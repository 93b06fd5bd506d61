import { describe, expect, it } from "vitest";
import { createAccounting } from "./accounting.js";
import { createPriceBook } from "./price-book.js";

describe("the accounting record's discount (batch lines)", () => {
  it("takes the discount's share off the cost; without one the price book's price stands", () => {
    const accounting = createAccounting(createPriceBook([{ name: "story", pricing: { input_per_million: 2, output_per_million: 4 }, fallbacks: [] }]), { text: () => 0, prompt: () => 0 });
    const request = { operation: "chat" as const, body: { model: "story" } };
    const end = { usage: { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 }, text: "", finishReason: "stop", outcome: "done" as const, headers: undefined };
    const full = accounting.open(request, () => undefined);
    full.answeredBy({ model: "story", deployment: "story/0" });
    const discounted = accounting.open(request, () => undefined, 0.5);
    discounted.answeredBy({ model: "story", deployment: "story/0" });
    expect(full.close(end).costUsd).toBe(6);
    expect(discounted.close(end).costUsd).toBe(3);
  });
});
