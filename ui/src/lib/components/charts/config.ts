/**
 * The Chart.js configuration of a `ChartSpec`. Pure (no canvas), so it is tested as data; the
 * `Chart.svelte` wrapper hands it to the library.
 */
import type { ActiveElement, ChartConfiguration, ChartEvent, ChartType, TooltipItem } from "chart.js";
import type { ChartSeries, ChartSpec } from "./types";

/**
 * Colours used when a CSS custom property cannot be read (no stylesheet, tests): the light palette
 * of app.css (settings/theme.test.ts checks they are the same).
 */
export const FALLBACK_COLORS: Readonly<Record<string, string>> = {
  "--accent": "#0b6b65",
  "--muted": "#56606c",
  "--border": "#d5dae1",
  "--warning": "#9a4b00",
  "--danger": "#b3261e",
  "--text": "#161b22",
  "--surface": "#ffffff",
  "--aging-1": "#a8841a",
  "--aging-2": "#c06a12",
  "--aging-3": "#c4552b",
};

/** Reads a CSS custom property ("--accent") as a colour. */
export type ColorResolver = (property: string) => string;

export interface ChartHandlers {
  /** A bar or point was clicked. */
  onSelect?: ((index: number) => void) | undefined;
  /** Animations off (the person asked for reduced motion). */
  reducedMotion?: boolean;
}

function colors(series: ChartSeries, resolve: ColorResolver): string | string[] {
  return typeof series.color === "string" ? resolve(series.color) : series.color.map(resolve);
}

/** The configuration for `spec`, colours read through `resolve`. */
export function buildConfig(spec: ChartSpec, resolve: ColorResolver, handlers: ChartHandlers = {}): ChartConfiguration {
  const line = spec.kind === "line";
  const muted = resolve("--muted");
  return {
    type: spec.kind,
    data: {
      labels: [...spec.labels],
      datasets: spec.series.map((series) => {
        const color = colors(series, resolve);
        return {
          label: series.label,
          data: [...series.values],
          backgroundColor: color,
          borderColor: color,
          borderWidth: line ? 2 : 0,
          ...(line
            ? { pointRadius: 2.5, pointHoverRadius: 5, spanGaps: false, borderDash: series.dashed ? [6, 4] : [] }
            : { borderRadius: 4, maxBarThickness: 56 }),
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: handlers.reducedMotion ? false : { duration: 250 },
      interaction: { mode: "index", intersect: false },
      onClick: (_event: ChartEvent, elements: ActiveElement[]) => {
        const first = elements[0];
        if (first && handlers.onSelect) handlers.onSelect(first.index);
      },
      onHover: (event: ChartEvent, elements: ActiveElement[]) => {
        const target = event.native?.target;
        if (handlers.onSelect && target instanceof HTMLElement) {
          target.style.cursor = elements.length > 0 ? "pointer" : "default";
        }
      },
      plugins: {
        tooltip: {
          displayColors: false,
          callbacks: {
            title: (items: TooltipItem<ChartType>[]) => spec.labels[items[0]?.dataIndex ?? -1] ?? "",
            // Mode "index" calls this once per series: the lines are given once, with the first.
            label: (item: TooltipItem<ChartType>) => (item.datasetIndex === 0 ? spec.tooltip(item.dataIndex) : []),
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { color: muted, maxRotation: 0, autoSkip: true } },
        y: {
          beginAtZero: true,
          grid: { color: resolve("--border") },
          border: { display: false },
          ticks: { color: muted, maxTicksLimit: 6, callback: (value: number | string) => spec.axis(Number(value)) },
        },
      },
    },
  };
}
