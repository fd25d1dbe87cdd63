/**
 * Chart.js, with only what the dashboard draws registered (bars, lines, a category and a linear
 * axis, the tooltip), so the bundler leaves the rest of the library out.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip);

export { Chart };
