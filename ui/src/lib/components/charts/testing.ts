/**
 * A stand-in for the `chart.js` module in the unit tests (jsdom has no canvas). Use it as
 *
 *     vi.mock("chart.js", async () => (await import("./charts/testing")).chartJsMock());
 *
 * Each chart created is kept in `FakeChart.instances` with the configuration it received, so a
 * test checks what would be drawn (labels, values, colours) and calls its handlers.
 */
import type { ChartConfiguration } from "chart.js";

/**
 * A stand-in for `./schedule` that draws at once, for tests that read the charts right after
 * rendering (the real one waits for the page's first paint):
 *
 *     vi.mock("./charts/schedule", async () => (await import("./charts/testing")).drawAtOnce());
 */
export function drawAtOnce(): { afterPaint: (draw: () => void) => () => void } {
  return {
    afterPaint: (draw) => {
      draw();
      return () => {};
    },
  };
}

export class FakeChart {
  /** Charts created and not yet destroyed, oldest first. */
  static instances: FakeChart[] = [];
  /** Components registered through `Chart.register`. */
  static registered: unknown[] = [];

  static register(...items: unknown[]): void {
    FakeChart.registered.push(...items);
  }

  readonly canvas: HTMLCanvasElement;
  data: ChartConfiguration["data"];
  options: NonNullable<ChartConfiguration["options"]>;
  readonly type: ChartConfiguration["type"];
  updates = 0;
  destroyed = false;

  constructor(canvas: HTMLCanvasElement, config: ChartConfiguration) {
    this.canvas = canvas;
    this.type = config.type;
    this.data = config.data;
    this.options = config.options ?? {};
    FakeChart.instances.push(this);
  }

  update(): void {
    this.updates += 1;
  }

  destroy(): void {
    this.destroyed = true;
    FakeChart.instances = FakeChart.instances.filter((chart) => chart !== this);
  }

  /** The chart drawn on the canvas inside `root` (the first, by default). */
  static on(root: ParentNode): FakeChart {
    const canvas = root.querySelector("canvas");
    const chart = FakeChart.instances.find((candidate) => candidate.canvas === canvas);
    if (!chart) throw new Error("no chart on this canvas");
    return chart;
  }

  /** Clicks the bar or point `index`, as Chart.js reports it to `onClick`. */
  click(index: number): void {
    const onClick = this.options.onClick as ((event: unknown, elements: { index: number }[]) => void) | undefined;
    onClick?.({ native: null }, [{ index }]);
  }

  /** The tooltip's title and lines for point `index` (the first series' item, as Chart.js asks). */
  tooltip(index: number): { title: string; lines: string[] } {
    const callbacks = this.options.plugins?.tooltip?.callbacks as
      | { title: (items: unknown[]) => string; label: (item: unknown) => string[] }
      | undefined;
    const item = { dataIndex: index, datasetIndex: 0 };
    return { title: callbacks?.title([item]) ?? "", lines: callbacks?.label(item) ?? [] };
  }

  /** The value axis' text for a tick. */
  axis(value: number): string {
    const y = (this.options.scales as { y?: { ticks?: { callback?: (value: number) => string } } } | undefined)?.y;
    return y?.ticks?.callback?.(value) ?? "";
  }

  static reset(): void {
    FakeChart.instances = [];
  }
}

/** The `chart.js` exports the app uses, with `Chart` replaced by `FakeChart`. */
export function chartJsMock(): Record<string, unknown> {
  const component = (id: string): { id: string } => ({ id });
  return {
    Chart: FakeChart,
    BarController: component("bar"),
    BarElement: component("barElement"),
    LineController: component("line"),
    LineElement: component("lineElement"),
    PointElement: component("pointElement"),
    CategoryScale: component("category"),
    LinearScale: component("linear"),
    Tooltip: component("tooltip"),
  };
}
