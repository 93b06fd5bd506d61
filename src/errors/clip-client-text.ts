/** Longest client-supplied string shown whole in an error message or a log field. */
export const clientTextMaxChars = 256;

/**
 * Shortens a client-supplied string before it goes into an error message or a log: the first 256 characters, then
 * `…(N bytes)` with the original UTF-8 size, so a 1 MB model name costs neither the response nor the log.
 */
export function clipClientText(text: string, maxChars = clientTextMaxChars): string {
  if (text.length <= maxChars) return text;
  // Never end on half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
  return `${text.slice(0, end)}…(${Buffer.byteLength(text)} bytes)`;
}
