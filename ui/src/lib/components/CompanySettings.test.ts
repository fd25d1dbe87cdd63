// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { CompanyProfileDto } from "../bindings/CompanyProfileDto";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";
import CompanySettings from "./CompanySettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

function empty(): CompanyProfileDto {
  return {
    name: "ACME Industrie",
    siren: "552081317",
    addressLines: [],
    postcode: "",
    city: "",
    country: "FR",
    vatNumber: null,
    phone: null,
    email: null,
    website: null,
    iban: null,
    bic: null,
    signatoryName: "",
    signatoryTitle: null,
    town: "",
    legalLine: null,
    legalForm: null,
    hasLogo: false,
    logoMediaType: null,
  };
}

function type(selector: string, text: string): void {
  const input = el<HTMLInputElement | HTMLTextAreaElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

async function render(handle: (cmd: string, args: unknown) => unknown): Promise<void> {
  mockIPC(handle);
  component = mount(CompanySettings, { target: document.body, props: {} });
  flushSync();
  await settle();
}

describe("CompanySettings", () => {
  it("shows the profile, lists what letters lack, and saves the typed fields with one address line per line", async () => {
    const calls: [string, unknown][] = [];
    await render((cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === "company_profile") return empty();
      if (cmd === "update_company_profile") {
        const p = (args as { profile: CompanyProfileDto }).profile;
        return { ...p, iban: (p.iban ?? "").replace(/\s/g, "") };
      }
      throw new Error(`unexpected ${cmd}`);
    });
    expect(el("#company-profile-name").textContent).toBe("ACME Industrie");
    expect(el("#company-missing").textContent).toContain("Code postal");
    expect(el("#company-missing").textContent).toContain("Signataire");

    type("#company-address", "12 rue des Lumières\nBâtiment B");
    type("#company-postcode", "69002");
    type("#company-city", "Lyon");
    type("#company-iban", "FR76 3000 6000 0112 3456 7890 189");
    type("#company-signatoryName", "Camille Martin");
    type("#company-town", "Lyon");
    await click("#company-save");

    const saved = calls.find(([cmd]) => cmd === "update_company_profile")?.[1] as { profile: CompanyProfileDto };
    expect(saved.profile.addressLines).toEqual(["12 rue des Lumières", "Bâtiment B"]);
    expect(saved.profile.postcode).toBe("69002");
    expect(saved.profile.iban).toBe("FR76 3000 6000 0112 3456 7890 189");
    expect(el("#company-saved").textContent).toContain("enregistré");
    expect(el<HTMLInputElement>("#company-iban").value).toBe("FR7630006000011234567890189");
    expect(document.querySelector("#company-missing")).toBeNull();
  });

  it("shows the core's refusal of a wrong IBAN with its message", async () => {
    await render((cmd) => {
      if (cmd === "company_profile") return empty();
      if (cmd === "update_company_profile") {
        return Promise.reject({ code: "InvalidInput", message: "IBAN: the check digits of FR76… are wrong" });
      }
      throw new Error(`unexpected ${cmd}`);
    });
    type("#company-iban", "FR7630006000011234567890188");
    await click("#company-save");
    const error = el("#company-error");
    expect(error.getAttribute("data-code")).toBe("InvalidInput");
    expect(error.textContent).toContain("IBAN");
    expect(document.querySelector("#company-saved")).toBeNull();
  });
});
