// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ClientExternalView } from "../bindings/ClientExternalView";
import type { RefreshReport } from "../bindings/RefreshReport";
import { locale } from "../i18n";
import { click, el, settle } from "../testing/dom";
import ClientExternal from "./ClientExternal.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  locale.set("fr");
  clearMocks();
});

const empty: ClientExternalView = { clientId: 7, siren: "880878145", company: null, notices: [], procedures: [] };

const known: ClientExternalView = {
  clientId: 7,
  siren: "880878145",
  company: {
    name: "GANYMEDE",
    creationDate: "2020-01-13",
    legalForm: "5710",
    naf: "62.02A",
    headcountBand: "NN",
    headcountYear: null,
    category: null,
    state: "C",
    ceasedOn: "2022-10-22",
    radiatedOn: "2022-11-14",
    openEstablishments: 0,
    establishments: 1,
    sourceUrl: "https://recherche-entreprises.api.gouv.fr/search?q=880878145&page=1&per_page=1",
    fetchedAt: "2026-11-24T10:00:00",
  },
  notices: [
    {
      id: "A202601151234",
      publishedOn: "2026-06-09",
      kind: "opening",
      familyLabel: "Procédures collectives",
      nature: "Jugement d'ouverture de liquidation judiciaire",
      judgmentOn: "2026-06-01",
      court: "TRIBUNAL DE COMMERCE DE LYON",
      url: "https://www.bodacc.fr/annonce/detail-annonce/A/20260115/1234",
      sourceUrl: "https://bodacc-datadila.opendatasoft.com/api/explore/v2.1/catalog/datasets/annonces-commerciales/records?where=…",
    },
  ],
  procedures: [
    {
      clientId: 7,
      clientName: "GANYMEDE",
      noticeId: "A202601151234",
      kind: "liquidation",
      judgmentOn: "2026-06-01",
      publishedOn: "2026-06-09",
      deadline: "2026-08-10",
      actionId: 4,
      letter: true,
      letterPath: null,
      notes: [],
      new: false,
    },
  ],
};

function report(origin: "fetched" | "cache"): RefreshReport {
  const source = { origin, fetchedAt: "2026-11-20T08:00:00", message: origin === "cache" ? "service injoignable" : null };
  return {
    asOf: "2026-11-24",
    clients: [{ clientId: 7, name: "GANYMEDE", siren: "880878145", sirene: source, bodacc: source, ceased: true, notices: 1 }],
    fetched: origin === "fetched" ? 1 : 0,
    fromCache: origin === "cache" ? 1 : 0,
    failed: 0,
    invalidSirens: [],
    procedures: [{ ...known.procedures[0]!, new: true }],
    offline: origin === "cache",
  };
}

function render(siren: string | null, answer: (cmd: string) => unknown): { calls: string[]; changed: number[] } {
  const calls: string[] = [];
  const changed: number[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    return answer(cmd);
  });
  component = mount(ClientExternal, { target: document.body, props: { clientId: 7, siren, onChanged: () => changed.push(1) } });
  flushSync();
  return { calls, changed };
}

describe("ClientExternal", () => {
  it("shows nothing to look up without a SIREN and asks nothing", async () => {
    const { calls } = render(null, () => empty);
    await settle();
    expect(el("#client-external").textContent).toContain("Pas de SIREN");
    expect(document.querySelector("#client-external-refresh")).toBeNull();
    expect(calls.filter((c) => c === "opendata_refresh_client")).toEqual([]);
  });

  it("refreshes, then shows the SIRENE facts, the notices with dates and source, and the deadline", async () => {
    let fetched = false;
    const { calls, changed } = render("880878145", (cmd) => {
      if (cmd === "client_external") return fetched ? known : empty;
      if (cmd === "opendata_refresh_client") {
        fetched = true;
        return report("fetched");
      }
      throw new Error(`unexpected ${cmd}`);
    });
    await settle();
    expect(el("#client-external").textContent).toContain("Aucune donnée publique");
    await click("#client-external-refresh");
    expect(calls).toContain("opendata_refresh_client");
    expect(changed).toEqual([1]);
    const text = el("#client-external").textContent ?? "";
    expect(el("#client-external-notice").textContent).toBe("Données publiques actualisées.");
    expect(el("#client-external-state").textContent).toContain("Cessée le 22/10/2022");
    expect(text).toContain("5710");
    expect(text).toContain("62.02A");
    expect(text).toContain("Ouverture");
    expect(text).toContain("publiée le 09/06/2026");
    expect(text).toContain("jugement du 01/06/2026");
    expect(text).toContain("TRIBUNAL DE COMMERCE DE LYON");
    expect(text).toContain("A202601151234");
    expect(text).toContain("recherche-entreprises.api.gouv.fr/search?q=880878145");
    expect(text).toContain("déclarer la créance avant le 10/08/2026");
  });

  it("says when the cache answered because the services are unreachable, in French and English", async () => {
    render("880878145", (cmd) => (cmd === "opendata_refresh_client" ? report("cache") : known));
    await settle();
    await click("#client-external-refresh");
    expect(el("#client-external-notice").textContent).toBe("Services injoignables : données du cache du 20/11/2026.");
    locale.set("en");
    await click("#client-external-refresh");
    expect(el("#client-external-notice").textContent).toContain("Services unreachable");
  });
});
