/**
 * DOM helpers for component tests (jsdom): wait for a component to settle after its promises and
 * effects, find an element or fail naming it, click it, read its raw value.
 */
import { flushSync, tick } from "svelte";

/** Lets pending promises (mocked IPC answers) and Svelte effects run to the end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await tick();
  }
  flushSync();
}

/** The element `selector` finds; throws naming the selector when there is none. */
export const el = <T extends Element = HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

/** Clicks the element and waits for what follows. */
export async function click(selector: string): Promise<void> {
  el(selector).click();
  await settle();
}

/** The element's `data-value` (the raw value behind the formatted text). */
export const value = (selector: string): string | null => el(selector).getAttribute("data-value");
