/**
 * Test helpers for code that calls the core through `api` (used by the unit tests only).
 *
 * `mockIPC` hands the mock the arguments as given, so a `Channel` argument arrives as the
 * `Channel` object itself. `sendOnChannel` delivers a message the way the Rust side does (through
 * the callback registered by the channel, with its index), so ordering logic is exercised too.
 */
import { Channel } from "@tauri-apps/api/core";

interface MockedInternals {
  runCallback(id: number, data: unknown): void;
}

/** The channel passed as `name` in a mocked command's arguments. */
export function channelArg<T>(args: unknown, name: string): Channel<T> {
  const value = typeof args === "object" && args !== null ? (args as Record<string, unknown>)[name] : undefined;
  if (!(value instanceof Channel)) throw new Error(`argument ${name} is not a Channel`);
  return value as Channel<T>;
}

/** Sends `message` as the `index`-th message of `channel` (indexes start at 0). */
export function sendOnChannel<T>(channel: Channel<T>, index: number, message: T): void {
  const internals = (window as unknown as { __TAURI_INTERNALS__: MockedInternals }).__TAURI_INTERNALS__;
  internals.runCallback(channel.id, { index, message });
}
