// The scripts worth telling apart in training data; letters of any other script count as "Other".
const scripts = ["Latin", "Han", "Cyrillic", "Arabic", "Greek", "Hebrew", "Devanagari", "Hangul", "Hiragana", "Katakana", "Thai"] as const;
const patterns = scripts.map((script) => [script, new RegExp(`\\p{Script=${script}}`, "u")] as const);
const letter = /\p{L}/u;
// Code point → script (or undefined for non-letters): each distinct character is classified once per process.
const known = new Map<number, string | undefined>();

function scriptOf(codePoint: number): string | undefined {
  if (known.has(codePoint)) return known.get(codePoint);
  const character = String.fromCodePoint(codePoint);
  const script = letter.test(character) ? (patterns.find(([, pattern]) => pattern.test(character))?.[0] ?? "Other") : undefined;
  if (known.size < 65536) known.set(codePoint, script);
  return script;
}

/** The script most of a text's letters are written in (the first 2,000 characters), or "None" when it has no letters. */
export function dominantScript(text: string): string {
  const counts = new Map<string, number>();
  let latin = 0;
  for (const character of text.slice(0, 2000)) {
    const code = character.codePointAt(0) ?? 0;
    if (code < 128) {
      // ASCII letters, the bulk of most corpora, without a regex per character.
      if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) latin += 1;
      continue;
    }
    const script = scriptOf(code);
    if (script !== undefined) counts.set(script, (counts.get(script) ?? 0) + 1);
  }
  counts.set("Latin", (counts.get("Latin") ?? 0) + latin);
  let best = "None";
  let bestCount = 0;
  for (const [script, count] of counts) {
    if (count > bestCount) {
      best = script;
      bestCount = count;
    }
  }
  // Japanese mixes kana with Han; call it by its kana so a "Han" filter means Chinese.
  return best === "Han" && ((counts.get("Hiragana") ?? 0) + (counts.get("Katakana") ?? 0)) * 4 >= bestCount ? "Hiragana" : best;
}
