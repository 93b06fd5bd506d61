// Checksums that confirm regex candidates, as Presidio does: a number that fails its check digit is not reported.

/** Luhn (credit cards): double every second digit from the right. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** IBAN mod-97 (ISO 13616): move the first four characters to the end, letters to 10..35; the remainder is 1. */
export function ibanValid(iban: string): boolean {
  const compact = iban.replace(/ /g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= "A" && char <= "Z" ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** US SSN ranges the SSA never issues: area 000, 666 or 900–999, group 00, serial 0000. */
export function ssnValid(ssn: string): boolean {
  const match = /^(\d{3})[- ]?(\d{2})[- ]?(\d{4})$/.exec(ssn);
  if (match === null) return false;
  const [, area = "", group = "", serial = ""] = match;
  return area !== "000" && area !== "666" && area[0] !== "9" && group !== "00" && serial !== "0000";
}

const idWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const idCheckChars = "10X98765432";

/** Chinese resident ID (GB 11643): 17 digits, a plausible birth date, and an ISO 7064 MOD 11-2 check character. */
export function chineseIdValid(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const year = Number(id.slice(6, 10));
  if (year < 1900 || month < 1 || month > 12 || day < 1 || day > 31) return false;
  const sum = idWeights.reduce((total, weight, index) => total + weight * Number(id[index]), 0);
  return idCheckChars[sum % 11] === id[17]?.toUpperCase();
}

/** Shannon entropy in bits per character. */
export function entropyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const share = count / text.length;
    bits -= share * Math.log2(share);
  }
  return bits;
}
