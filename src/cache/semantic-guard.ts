/**
 * What must be equal between two questions for a semantic hit, whatever their embeddings say: embeddings place
 * "Is X safe?" and "Is X not safe?" side by side, and "2 eggs" next to "3 eggs".
 */
export interface GuardSignature {
  readonly numbers: string;
  readonly negations: string;
  readonly entities: string;
}

const negationWords = new Set(["not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor", "without", "except", "cannot", "unless", "excluding", "nope"]);
const numberPattern = /\d+(?:[.,]\d+)*/g;
const quotedPattern = /"([^"]+)"|'([^']{2,})'|“([^”]+)”|`([^`]+)`/g;
const wordPattern = /[\p{L}\p{N}'’]+|[.!?:;\n]/gu;

/** The guard features of a text: its numbers, negations and named entities (capitalised words not starting a sentence, quoted strings). */
export function guardSignature(text: string): GuardSignature {
  const numbers = (text.match(numberPattern) ?? []).map((number) => number.replace(/,/g, ""));
  const entities = new Set<string>();
  for (const match of text.matchAll(quotedPattern)) entities.add((match[1] ?? match[2] ?? match[3] ?? match[4] ?? "").toLowerCase());
  const negations: string[] = [];
  let sentenceStart = true;
  for (const [token] of text.matchAll(wordPattern)) {
    if (/^[.!?:;\n]$/.test(token)) {
      sentenceStart = true;
      continue;
    }
    const lower = token.toLowerCase().replace(/’/g, "'");
    if (negationWords.has(lower) || lower.endsWith("n't")) negations.push("not");
    else if (!sentenceStart && /^\p{Lu}/u.test(token)) entities.add(lower);
    sentenceStart = false;
  }
  return { numbers: numbers.sort().join(" "), negations: negations.join(" "), entities: [...entities].sort().join("\u0000") };
}

/** True when two signatures agree on every guarded feature. */
export function guardsMatch(a: GuardSignature, b: GuardSignature): boolean {
  return a.numbers === b.numbers && a.negations === b.negations && a.entities === b.entities;
}
