/**
 * When a chart is first drawn: after the browser has painted the frame being prepared (the next
 * animation frame, then a task). A page's first paint with its figures then does not wait for
 * Chart.js to start and draw every chart (issue 11: cold start to an interactive dashboard
 * < 1 s; on the 2M dossier the first chart's drawing came half a second after the figures were
 * in the page). The charts appear one frame later; their figures are in the cards' tables already.
 *
 * Returns a function that cancels the drawing if it has not run yet.
 */
export function afterPaint(draw: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (typeof requestAnimationFrame !== "function") {
    timer = setTimeout(draw, 0);
    return () => clearTimeout(timer);
  }
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(draw, 0);
  });
  return () => {
    cancelAnimationFrame(frame);
    if (timer !== undefined) clearTimeout(timer);
  };
}
