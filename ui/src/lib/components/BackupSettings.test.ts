// @vitest-environment jsdom
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, tick, unmount } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { BackupEntry } from "../bindings/BackupEntry";
import type { BackupPolicy } from "../bindings/BackupPolicy";
import type { BackupReport } from "../bindings/BackupReport";
import { NNBSP } from "../i18n/format";
import BackupSettings from "./BackupSettings.svelte";

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  clearMocks();
});

const el = <T extends Element = HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
  }
  flushSync();
}

function type(selector: string, value: string): void {
  const input = el<HTMLInputElement>(selector);
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

function entry(file: string, createdAt: string, size: number): BackupEntry {
  return {
    path: `/srv/acme.encours.backups/${file}`,
    manifest: {
      format: "encours-backup/1",
      created_at: createdAt,
      file,
      size,
      sha256: "0".repeat(64),
      schema_version: 21,
      counts: {},
      dossier_id: "d1",
    },
    problem: null,
  };
}

/** A core holding backups and a policy, with a hold on `backup_create` to see the spinner. */
function fakeCore() {
  const calls: [string, unknown][] = [];
  let policy: BackupPolicy = { keep: 7, every_days: 1, dir: null };
  const list: BackupEntry[] = [
    entry("acme.encours-20261123-090000.encbak", "2026-11-23T09:00:00", 2_500_000),
    { path: "/srv/acme.encours.backups/stray.encbak", manifest: null, problem: "no manifest" },
  ];
  let release: () => void = () => {};
  const handle = (cmd: string, args: unknown): unknown => {
    calls.push([cmd, args]);
    switch (cmd) {
      case "backup_policy":
        return policy;
      case "set_backup_policy":
        policy = (args as { policy: BackupPolicy }).policy;
        return policy;
      case "backup_list":
        return list;
      case "backup_create": {
        const made = entry("acme.encours-20261124-114500.encbak", "2026-11-24T11:45:00", 2_600_000);
        return new Promise<BackupReport>((resolve) => {
          release = () => {
            list.unshift(made);
            resolve({ path: made.path, manifest: made.manifest!, pruned: [] });
          };
        });
      }
      default:
        throw new Error(`unexpected command ${cmd}`);
    }
  };
  return { calls, handle, release: () => release() };
}

describe("BackupSettings", () => {
  it("lists the backups with date, size and schema, and an unreadable one as such", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(BackupSettings, { target: document.body });
    await settle();
    const rows = [...document.querySelectorAll("#backup-list tbody tr")];
    expect(rows).toHaveLength(2);
    const cells = [...(rows[0]?.querySelectorAll("td") ?? [])].map((c) => c.textContent?.trim());
    expect(cells.slice(0, 3)).toEqual(["23/11/2026 09:00", `2${NNBSP}441 Ko`, "v21"]);
    expect(rows[1]?.textContent).toContain("Illisible");
    expect(rows[1]?.textContent).toContain("À vérifier : no manifest");
    expect(el<HTMLInputElement>("#backup-keep").value).toBe("7");
    expect(el<HTMLInputElement>("#backup-every").value).toBe("1");
    expect(el<HTMLInputElement>("#backup-dir").value).toBe("");
  });

  it("backs up now with a spinner, then shows the new backup first", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(BackupSettings, { target: document.body });
    await settle();
    el<HTMLButtonElement>("#backup-now").click();
    await settle();
    const button = el<HTMLButtonElement>("#backup-now");
    expect(button.disabled).toBe(true);
    expect(button.textContent).toContain("Sauvegarde en cours…");
    expect(button.querySelector(".spinner")).not.toBeNull();
    core.release();
    await settle();
    expect(button.disabled).toBe(false);
    expect(el("#backup-created").textContent).toContain("acme.encours-20261124-114500.encbak");
    expect(document.querySelectorAll("#backup-list tbody tr")).toHaveLength(3);
    expect(el("#backup-list tbody tr").textContent).toContain("24/11/2026 11:45");
    expect(core.calls.filter(([c]) => c === "backup_list")).toHaveLength(2);
  });

  it("validates the policy before saving it, then saves it through the core", async () => {
    const core = fakeCore();
    mockIPC(core.handle);
    component = mount(BackupSettings, { target: document.body });
    await settle();
    type("#backup-keep", "0");
    type("#backup-every", "2.5");
    el<HTMLButtonElement>("#backup-policy-save").click();
    await settle();
    expect(el("#backup-keep-error").textContent).toContain("de 1 à 999");
    expect(el("#backup-every-error").textContent).toContain("de 1 à 365");
    expect(el("#backup-keep").getAttribute("aria-invalid")).toBe("true");
    expect(core.calls.some(([c]) => c === "set_backup_policy")).toBe(false);

    type("#backup-keep", " 14 ");
    type("#backup-every", "3");
    type("#backup-dir", " /mnt/nas/encours ");
    el<HTMLButtonElement>("#backup-policy-save").click();
    await settle();
    expect(core.calls.find(([c]) => c === "set_backup_policy")?.[1]).toEqual({
      policy: { keep: 14, every_days: 3, dir: "/mnt/nas/encours" },
    });
    expect(el("#backup-policy-saved").textContent).toContain("Règle enregistrée.");
    expect(document.querySelector("#backup-keep-error")).toBeNull();
  });

  it("shows the core's refusal of the policy", async () => {
    const core = fakeCore();
    mockIPC((cmd, args) => {
      if (cmd === "set_backup_policy") throw { code: "Io", message: "/mnt/nas: permission denied" };
      return core.handle(cmd, args);
    });
    component = mount(BackupSettings, { target: document.body });
    await settle();
    type("#backup-dir", "/mnt/nas");
    el<HTMLButtonElement>("#backup-policy-save").click();
    await settle();
    expect(el("#backup-policy-error").textContent).toContain("/mnt/nas: permission denied");
    expect(document.querySelector("#backup-policy-saved")).toBeNull();
  });
});
