import { describe, expect, it } from "vitest";
import { checkSiren, luhnValid, normalizeSiren } from "./siren";

describe("SIREN check", () => {
  it.each(["732829320", "552100554", "443061841", "356000000"])("accepts %s", (siren) => {
    expect(checkSiren(siren)).toEqual({ ok: true, siren });
  });

  it("accepts spaces, including no-break spaces", () => {
    expect(checkSiren(" 732 829 320 ")).toEqual({ ok: true, siren: "732829320" });
    expect(checkSiren("732\u00A0829\u202F320")).toEqual({ ok: true, siren: "732829320" });
    expect(normalizeSiren("1 2\t3")).toBe("123");
  });

  it("reports the reason of a rejection", () => {
    expect(checkSiren("")).toEqual({ ok: false, reason: "empty" });
    expect(checkSiren("   ")).toEqual({ ok: false, reason: "empty" });
    expect(checkSiren("73282932")).toEqual({ ok: false, reason: "format" });
    expect(checkSiren("7328293200")).toEqual({ ok: false, reason: "format" });
    expect(checkSiren("73282932A")).toEqual({ ok: false, reason: "format" });
    expect(checkSiren("732-829-320")).toEqual({ ok: false, reason: "format" });
    expect(checkSiren("732829321")).toEqual({ ok: false, reason: "checksum" });
    expect(checkSiren("123456789")).toEqual({ ok: false, reason: "checksum" });
  });

  it("implements Luhn", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
  });
});
