/**
 * The desktop platform the window runs on, from the web view's user agent, set on the root element
 * (`data-platform`) before the first frame so that CSS can adapt to it: on Linux the font stack
 * starts with the families Linux ships (see app.css: WebKitGTK looks every family of the stack up
 * in fontconfig, for each size and weight, before the first one installed).
 */
export type Platform = "linux" | "mac" | "windows" | "other";

/** The platform named by a user agent string. */
export function platformOf(userAgent: string): Platform {
  if (/Windows/.test(userAgent)) return "windows";
  if (/Macintosh|Mac OS X/.test(userAgent)) return "mac";
  if (/Android/.test(userAgent)) return "other";
  if (/Linux|X11/.test(userAgent)) return "linux";
  return "other";
}

/** Marks the root element with the platform of this window. */
export function markPlatform(root: HTMLElement = document.documentElement): void {
  root.dataset.platform = platformOf(navigator.userAgent);
}
