/**
 * SIREN (French company number) checks done before calling the backend, which validates again.
 * A SIREN is 9 digits whose Luhn checksum is a multiple of 10.
 */
export type SirenCheck =
  | { ok: true; siren: string }
  | { ok: false; reason: "empty" | "format" | "checksum" };

/** Removes the spaces people type ("732 829 320", no-break spaces included). */
export function normalizeSiren(input: string): string {
  return input.replace(/[\s\u00A0\u202F]/g, "");
}

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Double every second digit, counting from the rightmost one.
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function checkSiren(input: string): SirenCheck {
  const siren = normalizeSiren(input);
  if (siren === "") return { ok: false, reason: "empty" };
  if (!/^\d{9}$/.test(siren)) return { ok: false, reason: "format" };
  if (!luhnValid(siren)) return { ok: false, reason: "checksum" };
  return { ok: true, siren };
}
