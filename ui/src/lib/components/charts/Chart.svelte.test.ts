// @vitest-environment jsdom
import { flushSync, mount, unmount } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { preferences } from "../../settings/preferences.svelte";
import Chart from "./Chart.svelte";
import { FakeChart } from "./testing";
import type { ChartSpec } from "./types";

vi.mock("chart.js", async () => (await import("./testing")).chartJsMock());

const SPEC: ChartSpec = {
  kind: "bar",
  labels: ["a", "b", "c"],
  series: [{ label: "s", values: [1, 2, 3], color: "--accent" }],
  tooltip: (index) => [`#${index}`],
  axis: (value) => String(value),
};

/** The first drawings waiting for the page's paint (./schedule) are done: a frame, then a task. */
async function painted(): Promise<void> {
  await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = "";
  FakeChart.reset();
});

describe("Chart", () => {
  it("registers only what the dashboard draws", async () => {
    await import("./chartjs");
    expect((FakeChart.registered as { id: string }[]).map((item) => item.id).sort()).toEqual(
      ["bar", "barElement", "category", "line", "lineElement", "linear", "pointElement", "tooltip"].sort(),
    );
  });

  it("draws the spec on a canvas labelled for screen readers, updates it in place and destroys it", async () => {
    const props = $state({ spec: SPEC, label: "Balance âgée", height: 200 });
    component = mount(Chart, { target: document.body, props });
    flushSync();
    // Not before the page's first paint: its figures come first.
    expect(FakeChart.instances).toHaveLength(0);
    await painted();
    const figure = document.querySelector("[role=img]");
    expect(figure?.getAttribute("aria-label")).toBe("Balance âgée");
    expect(figure?.querySelector("canvas")).not.toBeNull();
    expect((figure as HTMLElement).style.height).toBe("200px");
    expect(FakeChart.instances).toHaveLength(1);
    const chart = FakeChart.on(document);
    expect(chart.type).toBe("bar");
    expect(chart.data.labels).toEqual(["a", "b", "c"]);
    expect(chart.data.datasets[0]?.data).toEqual([1, 2, 3]);
    // No stylesheet in the test: the colour falls back to the theme's accent.
    expect(chart.data.datasets[0]?.backgroundColor).toBe("#0b6b65");

    props.spec = { ...SPEC, labels: ["x", "y"], series: [{ label: "s", values: [5, 6], color: "--accent" }] };
    flushSync();
    expect(FakeChart.instances).toEqual([chart]);
    expect(chart.updates).toBe(1);
    expect(chart.data.labels).toEqual(["x", "y"]);
    expect(chart.data.datasets[0]?.data).toEqual([5, 6]);

    unmount(component);
    component = undefined;
    expect(chart.destroyed).toBe(true);
    expect(FakeChart.instances).toEqual([]);
  });

  it("reports a click on a bar to the current onSelect", async () => {
    const first = vi.fn();
    const second = vi.fn();
    const props = $state<{ spec: ChartSpec; label: string; onSelect: (index: number) => void }>({
      spec: SPEC,
      label: "x",
      onSelect: first,
    });
    component = mount(Chart, { target: document.body, props });
    flushSync();
    await painted();
    const chart = FakeChart.on(document);
    chart.click(2);
    props.onSelect = second;
    flushSync();
    chart.click(0);
    expect(first.mock.calls).toEqual([[2]]);
    expect(second.mock.calls).toEqual([[0]]);
  });

  it("draws the spec of the moment it is drawn, and nothing when removed before the paint", async () => {
    const props = $state({ spec: SPEC, label: "x" });
    component = mount(Chart, { target: document.body, props });
    flushSync();
    props.spec = { ...SPEC, labels: ["late"], series: [{ label: "s", values: [9], color: "--accent" }] };
    flushSync();
    await painted();
    expect(FakeChart.instances).toHaveLength(1);
    expect(FakeChart.on(document).data.labels).toEqual(["late"]);
    unmount(component);
    component = mount(Chart, { target: document.body, props: { spec: SPEC, label: "y" } });
    flushSync();
    unmount(component);
    component = undefined;
    await painted();
    expect(FakeChart.instances).toEqual([]);
  });

  it("is redrawn when the theme changes, so its colours follow the palette", async () => {
    preferences.setTheme("light");
    component = mount(Chart, { target: document.body, props: { spec: SPEC, label: "x" } });
    flushSync();
    await painted();
    const chart = FakeChart.on(document);
    expect(chart.updates).toBe(0);
    preferences.setTheme("dark");
    flushSync();
    expect(document.documentElement.dataset.theme).toBe("dark");
    expect(chart.updates).toBe(1);
    preferences.setTheme("system");
    flushSync();
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });
});
