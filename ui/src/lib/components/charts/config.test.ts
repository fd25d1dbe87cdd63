// @vitest-environment jsdom
import { describe, expect, it, vi } from "vitest";
import { NBSP, NNBSP } from "../../i18n/format";
import { daysAxis, moneyAxis } from "./axis";
import { buildConfig, FALLBACK_COLORS } from "./config";
import type { ChartSpec } from "./types";

const COLORS: Record<string, string> = { "--accent": "#0a0", "--muted": "#777", "--border": "#ddd", "--aging-1": "#fa0" };
const resolve = (property: string): string => COLORS[property] ?? "?";

const BARS: ChartSpec = {
  kind: "bar",
  labels: ["Non échu", "1–30 j"],
  series: [{ label: "Balance âgée", values: [742310.45, 251884.2], color: ["--accent", "--aging-1"] }],
  tooltip: (index) => [`ligne ${index}`],
  axis: (value) => `${value} €`,
};

const LINES: ChartSpec = {
  kind: "line",
  labels: ["déc. 24", "janv. 25", "févr. 25"],
  series: [
    { label: "DSO", values: [null, 61.8, 60.9], color: "--accent" },
    { label: "Meilleur", values: [null, 39.5, 39.1], color: "--muted", dashed: true },
  ],
  tooltip: (index) => [`DSO ${index}`, `best ${index}`],
  axis: (value) => `${value} j`,
};

type Callbacks = { title: (items: unknown[]) => string; label: (item: unknown) => string[] };
const callbacks = (spec: ChartSpec): Callbacks =>
  buildConfig(spec, resolve).options?.plugins?.tooltip?.callbacks as unknown as Callbacks;

describe("buildConfig", () => {
  it("draws bars with one colour per bar, read from the CSS custom properties", () => {
    const config = buildConfig(BARS, resolve);
    expect(config.type).toBe("bar");
    expect(config.data.labels).toEqual(["Non échu", "1–30 j"]);
    expect(config.data.datasets).toHaveLength(1);
    expect(config.data.datasets[0]).toMatchObject({
      label: "Balance âgée",
      data: [742310.45, 251884.2],
      backgroundColor: ["#0a0", "#fa0"],
      borderWidth: 0,
    });
    expect(config.options?.scales?.["y"]).toMatchObject({ beginAtZero: true, grid: { color: "#ddd" } });
  });

  it("draws lines with gaps where a month has no figure, the reference series dashed", () => {
    const config = buildConfig(LINES, resolve);
    expect(config.type).toBe("line");
    const [dso, best] = config.data.datasets;
    expect(dso).toMatchObject({ data: [null, 61.8, 60.9], borderColor: "#0a0", spanGaps: false, borderDash: [] });
    expect(best).toMatchObject({ borderColor: "#777", borderDash: [6, 4] });
  });

  it("writes the tooltip once per point, from the spec's formatted lines", () => {
    const { title, label } = callbacks(LINES);
    expect(title([{ dataIndex: 1, datasetIndex: 0 }])).toBe("janv. 25");
    expect(label({ dataIndex: 1, datasetIndex: 0 })).toEqual(["DSO 1", "best 1"]);
    // The second series' item adds nothing: the lines are not repeated.
    expect(label({ dataIndex: 1, datasetIndex: 1 })).toEqual([]);
    expect(title([])).toBe("");
  });

  it("labels the value axis through the spec", () => {
    const y = buildConfig(BARS, resolve).options?.scales?.["y"] as { ticks: { callback: (value: number | string) => string } };
    expect(y.ticks.callback(200000)).toBe("200000 €");
    expect(y.ticks.callback("50")).toBe("50 €");
  });

  it("reports the clicked bar's index, and nothing for a click beside the bars", () => {
    const onSelect = vi.fn();
    const onClick = buildConfig(BARS, resolve, { onSelect }).options?.onClick as unknown as (
      event: unknown,
      elements: { index: number }[],
    ) => void;
    onClick({}, [{ index: 1 }]);
    onClick({}, []);
    expect(onSelect.mock.calls).toEqual([[1]]);
  });

  it("shows a pointer over the bars of a clickable chart only", () => {
    type Hover = (event: unknown, elements: unknown[]) => void;
    const canvas = document.createElement("canvas");
    const clickable = buildConfig(BARS, resolve, { onSelect: () => {} }).options?.onHover as unknown as Hover;
    clickable({ native: { target: canvas } }, [{ index: 0 }]);
    expect(canvas.style.cursor).toBe("pointer");
    clickable({ native: { target: canvas } }, []);
    expect(canvas.style.cursor).toBe("default");
    const plain = buildConfig(BARS, resolve).options?.onHover as unknown as Hover;
    canvas.style.cursor = "";
    plain({ native: { target: canvas } }, [{ index: 0 }]);
    expect(canvas.style.cursor).toBe("");
  });

  it("turns animations off when reduced motion is asked for", () => {
    expect(buildConfig(BARS, resolve, { reducedMotion: true }).options?.animation).toBe(false);
    expect(buildConfig(BARS, resolve).options?.animation).toEqual({ duration: 250 });
  });

  it("has a fallback for every colour it reads itself", () => {
    for (const property of ["--muted", "--border", "--accent"]) expect(FALLBACK_COLORS[property]).toMatch(/^#/);
  });
});

describe("axis text", () => {
  it("writes money scale marks in thousands of euros", () => {
    expect(moneyAxis(250000, "fr")).toBe(`250${NBSP}k€`);
    expect(moneyAxis(1500000, "fr")).toBe(`1${NNBSP}500${NBSP}k€`);
    expect(moneyAxis(800, "fr")).toBe(`800${NBSP}€`);
    expect(moneyAxis(0, "fr")).toBe(`0${NBSP}€`);
    expect(moneyAxis(250000, "en")).toBe("€250k");
    expect(moneyAxis(-20000, "en")).toBe("-€20k");
    expect(moneyAxis(800, "en")).toBe("€800");
  });

  it("writes day scale marks", () => {
    expect(daysAxis(60, "fr")).toBe(`60${NBSP}j`);
    expect(daysAxis(20.0000001, "en")).toBe(`20${NBSP}d`);
  });
});
