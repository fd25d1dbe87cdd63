/**
 * The sync commands (src-tauri/src/sync.rs), typed like `api` in ../api: every rejection becomes
 * a `CommandError`. A platform secret only ever goes to the core, which keeps it in the OS keyring
 * and answers whether one is kept (`hasSecret`). A sync itself is a background job of the core's
 * register: `jobs.start({ kind: "sync" })` in ../jobs.
 */
import { invoke, type InvokeArgs } from "@tauri-apps/api/core";
import { toCommandError } from "../api";
import type { ConnectionTest } from "../bindings/ConnectionTest";
import type { PlatformAccount } from "../bindings/PlatformAccount";
import type { SyncStatus } from "../bindings/SyncStatus";

async function call<T>(command: string, args?: InvokeArgs): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (reason) {
    throw toCommandError(reason, command);
  }
}

/** An empty secret field means "keep the one already in the keyring". */
const secretOrNull = (value: string): string | null => (value === "" ? null : value);

export const syncApi = {
  /** The dossier's platform accounts, each saying whether the keyring holds its secret. */
  platformAccounts: (): Promise<PlatformAccount[]> => call("platform_accounts"),
  /** Adds an account; its secret goes to the keyring only. Resolves with the account as saved. */
  addPlatformAccount: (account: PlatformAccount, secret: string): Promise<PlatformAccount> =>
    call("add_platform_account", { account, secret }),
  /** Changes an account (found by name); a typed secret replaces the keyring's, an empty one keeps it. */
  updatePlatformAccount: (account: PlatformAccount, secret: string): Promise<PlatformAccount> =>
    call("update_platform_account", { account, secret: secretOrNull(secret) }),
  /** Removes an account and its secret from the keyring. */
  deletePlatformAccount: (name: string): Promise<null> => call("delete_platform_account", { name }),
  /** Healthcheck, then a token and one authenticated call; a failure is in the result. */
  testPlatformConnection: (account: PlatformAccount, secret: string): Promise<ConnectionTest> =>
    call("test_platform_connection", { account, secret: secretOrNull(secret) }),
  /** Accounts with their last and next run, and the outgoing messages. */
  syncStatus: (): Promise<SyncStatus> => call("sync_status"),
};
