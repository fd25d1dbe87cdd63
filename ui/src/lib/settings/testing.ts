/**
 * Helpers for the Paramètres panel tests: mount a component against a mocked core, type into a
 * field, pick an option. The mocked handler gets every command with its arguments.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { flushSync, mount, type Component } from "svelte";
import { el, settle } from "../testing/dom";

export type Handler = (cmd: string, args: unknown) => unknown;

/** Mounts `component` with `handle` answering the core's commands, once its first answers arrived. */
export async function render(component: Component, handle: Handler): Promise<ReturnType<typeof mount>> {
  mockIPC(handle);
  const mounted = mount(component, { target: document.body, props: {} });
  flushSync();
  await settle();
  return mounted;
}

/** Types `text` into the field (replacing what it held), as a person would. */
export function type(selector: string, text: string): void {
  const input = el<HTMLInputElement | HTMLTextAreaElement>(selector);
  input.value = text;
  input.dispatchEvent(new Event("input", { bubbles: true }));
  flushSync();
}

/** Chooses `value` in a select. */
export function choose(selector: string, value: string): void {
  const select = el<HTMLSelectElement>(selector);
  select.value = value;
  select.dispatchEvent(new Event("change", { bubbles: true }));
  flushSync();
}

/** Submits a form the way its submit button does. */
export async function submit(selector: string): Promise<void> {
  el<HTMLFormElement>(selector).requestSubmit();
  await settle();
}

/** The text of the element, or null when it is not there. */
export const text = (selector: string): string | null => document.querySelector(selector)?.textContent?.trim() ?? null;
