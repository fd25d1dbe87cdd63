/**
 * What a chart of the dashboard draws, independent of the charting library: the labels, the
 * series as numbers (geometry only, see `chartValue`), and functions that write the text a person
 * reads (tooltips, axis) from the core's decimal strings.
 */

/** One series: a set of bars or a line. */
export interface ChartSeries {
  /** Name of the series (shown in the card's legend, not on the canvas). */
  label: string;
  /** One value per label; `null` leaves a gap in a line. */
  values: readonly (number | null)[];
  /** A CSS custom property ("--accent"), or one per value (a colour per bar). */
  color: string | readonly string[];
  /** A dashed line (a reference series, such as the best possible DSO). */
  dashed?: boolean;
}

export interface ChartSpec {
  kind: "bar" | "line";
  labels: readonly string[];
  series: readonly ChartSeries[];
  /** The tooltip's lines for the point at `index`, already formatted from decimal strings. */
  tooltip: (index: number) => string[];
  /** The value axis' text for a tick (a round scale mark chosen by the library, never a figure). */
  axis: (value: number) => string;
}
