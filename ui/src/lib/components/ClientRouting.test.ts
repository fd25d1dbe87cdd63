// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { DirectoryEntryView } from "../bindings/DirectoryEntryView";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";
import ClientRouting from "./ClientRouting.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

const routed: DirectoryEntryView = {
  siren: "300079249",
  found: true,
  businessName: "CLIENT 02 SARL",
  administrativeStatus: "A",
  platformName: "Plateforme Demo Beta",
  platformId: "0077",
  platformType: "WK",
  routingIdentifiers: ["SCE-COMPTA-02"],
  lines: [
    {
      addressingIdentifier: "300079249",
      siret: null,
      routingIdentifier: null,
      routingName: null,
      address: null,
      platformName: "Plateforme Demo Beta",
      platformId: "0077",
    },
    {
      addressingIdentifier: "300079249_30007924900011_SCE-COMPTA-02",
      siret: "30007924900011",
      routingIdentifier: "SCE-COMPTA-02",
      routingName: "Service comptabilité fournisseurs",
      address: "11 rue de la République, 69002 Lyon",
      platformName: "Plateforme Demo Beta",
      platformId: "0077",
    },
  ],
  account: "pa-locale",
  checkedAt: "2026-11-24T09:00:00",
};

function render(siren: string | null, answer: (cmd: string, args: unknown) => unknown): string[] {
  const calls: string[] = [];
  mockIPC((cmd, args) => {
    calls.push(cmd);
    return answer(cmd, args);
  });
  component = mount(ClientRouting, { target: document.body, props: { clientId: 7, siren } });
  flushSync();
  return calls;
}

describe("ClientRouting", () => {
  it("offers nothing to consult without a SIREN", async () => {
    const calls = render(null, () => null);
    await settle();
    expect(el("#client-routing").textContent).toContain("Sans SIREN");
    expect(document.querySelector("#client-routing-lookup")).toBeNull();
    expect(calls).not.toContain("directory_lookup");
  });

  it("consults the directory, then shows the platform, the routing code and its address", async () => {
    let asked: unknown = null;
    const calls = render("300079249", (cmd, args) => {
      if (cmd === "client_routing") return null;
      if (cmd === "directory_lookup") {
        asked = args;
        return routed;
      }
      throw new Error(`unexpected ${cmd}`);
    });
    await settle();
    expect(el("#client-routing-never").textContent).toContain("pas encore été consulté");
    expect(el("#client-routing-lookup").textContent?.trim()).toBe("Consulter l'annuaire");
    await click("#client-routing-lookup");
    expect(calls).toContain("directory_lookup");
    expect(asked).toMatchObject({ clientId: 7, account: null });
    expect(el("#client-routing-platform").textContent).toContain("Plateforme Demo Beta");
    expect(el("#client-routing-platform").textContent).toContain("n° 0077");
    expect(el("#client-routing-codes").textContent).toBe("SCE-COMPTA-02");
    const lines = el("#client-routing-lines").textContent ?? "";
    expect(lines).toContain("300079249_30007924900011_SCE-COMPTA-02");
    expect(lines).toContain("Service comptabilité fournisseurs");
    expect(lines).toContain("11 rue de la République, 69002 Lyon");
    expect(el("#client-routing-checked").textContent).toContain("Consulté via pa-locale le 24/11/2026");
  });

  it("shows the kept answer in English, an unknown SIREN, and a platform error with its detail", async () => {
    locale.set("en");
    let fail = false;
    render("552100554", (cmd) => {
      if (cmd === "client_routing") return routed;
      if (fail) throw { code: "Platform", message: 'platform account "pa-locale": http://127.0.0.1:9/oauth/token refused the credentials (HTTP 401)' };
      return { ...routed, found: false, lines: [], routingIdentifiers: [], platformName: null, platformId: null, platformType: null };
    });
    await settle();
    expect(el("#client-routing-lookup").textContent?.trim()).toBe("Consult the directory");
    expect(el("#client-routing-platform").textContent).toContain("Plateforme Demo Beta");
    await click("#client-routing-lookup");
    expect(el("#client-routing-not-found").textContent).toBe("This SIREN is not in the platform's directory.");
    fail = true;
    await click("#client-routing-lookup");
    const text = el("#client-routing").textContent ?? "";
    expect(text).toContain("The e-invoicing platform refused or did not answer");
    expect(text).toContain("HTTP 401");
  });
});
