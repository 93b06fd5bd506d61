import { describe, expect, it } from "vitest";
import { piiEntityTypes, type PiiEntityType } from "../../src/guardrails/pii-config-schema.js";
import { chineseIdValid, ibanValid, luhnValid, ssnValid } from "../../src/guardrails/pii-checksums.js";
import { detectPii } from "../../src/guardrails/pii-detectors.js";
import { createPiiRedactor } from "../../src/guardrails/pii-redactor.js";
import { createTextHoldback } from "../../src/guardrails/text-holdback.js";

const all = new Set<PiiEntityType>(piiEntityTypes);
const typesIn = (text: string): PiiEntityType[] => detectPii(text, all).map((span) => span.type);

describe("checksums", () => {
  it.each([
    ["4111111111111111", true],
    ["4111111111111112", false],
    ["5500005555555559", true],
    ["378282246310005", true],
    ["378282246310006", false],
  ])("Luhn %s → %s", (digits, valid) => expect(luhnValid(digits)).toBe(valid));

  it.each([
    ["GB82WEST12345698765432", true],
    ["GB82 WEST 1234 5698 7654 32", true],
    ["DE89370400440532013000", true],
    ["GB83WEST12345698765432", false],
    ["DE89370400440532013001", false],
  ])("IBAN %s → %s", (iban, valid) => expect(ibanValid(iban)).toBe(valid));

  it.each([
    ["123-45-6789", true],
    ["000-45-6789", false],
    ["666-45-6789", false],
    ["900-45-6789", false],
    ["123-00-6789", false],
    ["123-45-0000", false],
  ])("SSN %s → %s", (ssn, valid) => expect(ssnValid(ssn)).toBe(valid));

  it.each([
    ["11010519491231002X", true],
    ["110105194912310021", false],
    ["440308199901011234", true],
    ["440308199913011234", false],
    ["440308199901011238", false],
  ])("Chinese resident ID %s → %s", (id, valid) => expect(chineseIdValid(id)).toBe(valid));
});

describe("detectPii", () => {
  it.each<[string, PiiEntityType[]]>([
    ["mail me at jane.doe+tag@example.co.uk please", ["email"]],
    ["call +1 415 555 2671 now", ["phone"]],
    ["call +44 20 7946 0958", ["phone"]],
    ["手机 13812345678 联系", ["phone"]],
    ["number 12812345678 is not a mobile", []],
    ["card 4111 1111 1111 1111 exp 12/29", ["credit_card"]],
    ["card 4111 1111 1111 1112 is invalid", []],
    ["iban GB82 WEST 1234 5698 7654 32 ok", ["iban"]],
    ["iban GB83WEST12345698765432 bad check", []],
    ["ssn 123-45-6789", ["us_ssn"]],
    ["ssn 666-45-6789 never issued", []],
    ["身份证 11010519491231002X", ["cn_resident_id"]],
    ["身份证 110105194912310021 bad check digit", []],
    ["server at 192.168.1.20 and 2001:db8::8a2e:370:7334", ["ip_address", "ip_address"]],
    ["version 1.2.3.4.5 and time 12:30:45 are not addresses", []],
    ["key sk-proj-abcdefghijklmnopqrstuvwxyz123456", ["secret"]],
    ["aws AKIAIOSFODNN7EXAMPLE", ["secret"]],
    ["gh ghp_abcdefghijklmnopqrstuvwxyz0123456789", ["secret"]],
    ["token 9fQ2xL7pR4tW8zK1mN6vB3cY5hJ0dG2sA7eU4iO", ["secret"]],
    ["plain words are not secrets at all here", []],
  ])("%s", (text, types) => expect(typesIn(text)).toEqual(types));
});

describe("redaction", () => {
  it("replaces entities with numbered typed placeholders, the same value the same placeholder, and restores them", () => {
    const redactor = createPiiRedactor([...piiEntityTypes]);
    const text = "a@b.io wrote to c@d.io, then a@b.io paid with 4111111111111111";
    const redacted = redactor.redact(text);
    expect(redacted).toBe("<EMAIL_1> wrote to <EMAIL_2>, then <EMAIL_1> paid with <CREDIT_CARD_1>");
    expect(redactor.found().sort()).toEqual(["credit_card", "email"]);
    expect(redactor.restore("Dear <EMAIL_2>, <EMAIL_1> says hi; <UNKNOWN_1> stays")).toBe("Dear c@d.io, a@b.io says hi; <UNKNOWN_1> stays");
  });

  it("only looks for the configured entity types", () => {
    expect(createPiiRedactor(["email"]).redact("a@b.io 123-45-6789")).toBe("<EMAIL_1> 123-45-6789");
  });

  it("catches entities split across stream chunks at any position", () => {
    const text = "Contact jane.doe@example.com or +1 415 555 2671; card 4111 1111 1111 1111. Done, thanks for waiting!";
    const redactor = createPiiRedactor([...piiEntityTypes]);
    const expected = redactor.redact(text);
    for (let size = 1; size <= 17; size++) {
      const holdback = createTextHoldback(64, (chunk) => redactor.detect(chunk), (chunk) => redactor.redact(chunk));
      let out = "";
      for (let at = 0; at < text.length; at += size) out += holdback.push(text.slice(at, at + size));
      out += holdback.flush();
      expect(out).toBe(expected);
    }
  });
});
