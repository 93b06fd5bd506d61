import { LRUCache } from "lru-cache";
import type { Llama, LlamaGrammar } from "node-llama-cpp";

/** Grammars for structured output, built once per distinct schema. */
export interface GrammarCache {
  /** Any JSON value (OpenAI `json_object`). */
  json(): Promise<LlamaGrammar>;
  /** JSON matching a schema (OpenAI `json_schema`); rejects a schema node-llama-cpp cannot compile. */
  jsonSchema(schema: Readonly<Record<string, unknown>>): Promise<LlamaGrammar>;
}

/** Creates a grammar cache that keeps at most `limit` schemas (least recently used leave first). */
export function createGrammarCache(llama: Llama, limit = 32): GrammarCache {
  const schemas = new LRUCache<string, Promise<LlamaGrammar>>({ max: limit });
  let json: Promise<LlamaGrammar> | undefined;
  return {
    json: () => (json ??= llama.getGrammarFor("json")),
    jsonSchema(schema) {
      const key = JSON.stringify(schema);
      const cached = schemas.get(key);
      if (cached !== undefined) return cached;
      // The schema is the client's: node-llama-cpp validates it and throws on what it cannot express.
      // (`never`: the method's generic signature checks literal schemas at compile time; this one arrives at run time.)
      const grammar: Promise<LlamaGrammar> = llama.createGrammarForJsonSchema(schema as never);
      schemas.set(key, grammar);
      grammar.catch(() => {
        if (schemas.peek(key) === grammar) schemas.delete(key);
      });
      return grammar;
    },
  };
}
