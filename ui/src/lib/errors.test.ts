import { describe, expect, it } from "vitest";
import type { ErrorCode } from "./bindings/ErrorCode";
import { describeError, ERROR_TABLE } from "./errors";
import { LOCALES } from "./i18n/messages";

describe("error table", () => {
  it("has a title and a hint in every language for every code", () => {
    for (const [code, texts] of Object.entries(ERROR_TABLE)) {
      for (const locale of LOCALES) {
        expect(texts[locale].title.trim(), `${code}/${locale}`).not.toBe("");
        expect(texts[locale].hint.trim(), `${code}/${locale}`).not.toBe("");
      }
    }
  });

  it("explains the headless key variable when the keyring is unavailable", () => {
    const view = describeError({ code: "KeyUnavailable", message: "no secret service" }, "fr");
    expect(view.title).toBe("Trousseau du système indisponible");
    expect(view.hint).toContain("ENCOURS_KEY_HEX");
    expect(view.detail).toBe("no secret service");
    expect(ERROR_TABLE.KeyUnavailable.en.hint).toContain("ENCOURS_KEY_HEX");
  });

  it("shows the backend message only as a detail", () => {
    const code: ErrorCode = "DossierNotFound";
    const view = describeError({ code, message: "/tmp/x.encours: No such file" }, "en");
    expect(view).toEqual({
      code,
      title: "Dossier not found",
      hint: ERROR_TABLE.DossierNotFound.en.hint,
      detail: "/tmp/x.encours: No such file",
    });
  });
});
