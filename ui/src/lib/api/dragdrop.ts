/**
 * Files dragged onto the window, from Tauri's drag-and-drop events (the web view receives paths,
 * which the browser's own drag-and-drop never gives). Outside Tauri (browser, unit tests) there
 * are no such events: listening does nothing.
 */
import { getCurrentWebview } from "@tauri-apps/api/webview";

/** What the page needs from a drag: files entered or moved over the window, left it, or were dropped. */
export type FileDrag = { type: "enter" | "over" | "leave" } | { type: "drop"; paths: string[] };

/**
 * Calls `handler` for each drag-and-drop event of the current web view. Resolves to the function
 * that stops listening; never rejects (without Tauri it resolves to a function that does nothing).
 */
export async function onFileDrag(handler: (drag: FileDrag) => void): Promise<() => void> {
  try {
    const stop = await getCurrentWebview().onDragDropEvent((event) => {
      const payload = event.payload;
      if (payload.type === "drop") handler({ type: "drop", paths: [...payload.paths] });
      else handler({ type: payload.type });
    });
    return () => {
      // Typed as returning void, but asynchronous underneath: a failure to unlisten is not the page's problem.
      Promise.resolve()
        .then(stop)
        .catch(() => {});
    };
  } catch {
    // No Tauri web view here (browser or tests without window mocks): nothing to listen to.
    return () => {};
  }
}
