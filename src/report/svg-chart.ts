/**
 * Line charts as standalone SVG documents, for learning curves in run reports: no scripts, no external
 * fonts, nothing to install to view them. Colours are the Okabe–Ito palette (distinguishable with the common
 * colour-vision deficiencies); once colours repeat, dash patterns keep series apart.
 */

/** One line of a chart: (x, y) points in order; a non-finite y leaves a gap. */
export interface ChartSeries {
  name: string;
  points: [number, number][];
  dashed?: boolean;
  /** A shaded band around the line, (x, low, high) in order (e.g. the spread over seeds). */
  band?: [number, number, number][];
}

/** What to draw. `yRange` fixes the y axis (e.g. [0, 1] for rates) instead of fitting it to the data. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  width?: number;
  height?: number;
  yRange?: [number, number];
  /** Makes the clip path's id unique when several charts share one HTML page. */
  id?: string;
}

// Okabe–Ito without its yellow (#F0E442), which is nearly invisible as a thin line on white.
const palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"];
// Even entries for plain series, odd for `dashed` ones; each round through the palette moves two along.
const dashPatterns = ["", "7 4", "2 3", "9 3 2 3", "1 4", "12 4 4 4"];
const font = `font-family="sans-serif"`;
const margin = { top: 40, right: 24, bottom: 48, left: 72 };
const legendRowHeight = 18;

/** Colour and dash pattern ("" for solid) of the series at `index`. */
export function seriesStyle(index: number, dashed = false): { colour: string; dash: string } {
  const round = Math.floor(index / palette.length);
  return {
    colour: palette[index % palette.length]!,
    dash: dashPatterns[(round * 2 + (dashed ? 1 : 0)) % dashPatterns.length]!,
  };
}

/** Escapes the five XML special characters, for text content and attribute values alike. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * About `count` evenly spaced round values (steps of 1, 2 or 5 × 10^k) from at or below `min` to at or
 * above `max`. A zero-width range is widened around its value.
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceTicks: range ${min}..${max}`);
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const half = min === 0 ? 1 : Math.abs(min) * 0.1;
    [min, max] = [min - half, max + half];
  }
  const target = Math.max(2, Math.round(count));
  const magnitude = Math.floor(Math.log10((max - min) / (target - 1)));
  let best: { step: number; first: number; n: number } | null = null;
  for (const k of [magnitude - 1, magnitude, magnitude + 1])
    for (const m of [1, 2, 5]) {
      const step = m * 10 ** k;
      const first = Math.floor(min / step);
      const n = Math.ceil(max / step) - first + 1;
      // Closest tick count wins; on a tie the tighter fit, which wastes less of the axis.
      const miss = Math.abs(n - target) - (best === null ? Infinity : Math.abs(best.n - target));
      if (best === null || miss < 0 || (miss === 0 && (n - 1) * step < (best.n - 1) * best.step))
        best = { step, first, n };
    }
  const { step, first, n } = best!;
  // Multiplying an integer index avoids the drift of repeated addition; toPrecision trims 0.30000000000000004.
  return Array.from({ length: n }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

/** Trailing moving average: each y becomes the mean of the finite y among the last `window` points. */
export function smooth(points: readonly [number, number][], window: number): [number, number][] {
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`smooth: window ${window} is not a positive integer`);
  return points.map(([x, y], i) => {
    if (!Number.isFinite(y)) return [x, y]; // keep the gap where the data has one
    const recent = points.slice(Math.max(0, i - window + 1), i + 1).filter(([, v]) => Number.isFinite(v));
    return [x, recent.reduce((s, [, v]) => s + v, 0) / recent.length];
  });
}

/** Runs of consecutive drawable points, split wherever x or y is not finite. */
function segments(points: readonly [number, number][]): [number, number][][] {
  const runs: [number, number][][] = [[]];
  for (const p of points) {
    if (Number.isFinite(p[0]) && Number.isFinite(p[1])) runs[runs.length - 1]!.push(p);
    else if (runs[runs.length - 1]!.length > 0) runs.push([]);
  }
  return runs.filter((r) => r.length > 0);
}

/** A number short enough for a tick label, with the decimals its step needs. */
function tickLabel(value: number, step: number): string {
  if (value !== 0 && (Math.abs(value) >= 1e6 || Math.abs(value) < 1e-4)) return value.toExponential(1);
  return value.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

const num = (v: number) => String(Math.round(v * 100) / 100);

/** The chart as a standalone SVG document. */
export function lineChart(spec: ChartSpec): string {
  const width = spec.width ?? 720;
  const legendColumns = width >= 480 ? 2 : 1;
  const legendRows = Math.ceil(spec.series.length / legendColumns);
  const legendHeight = legendRows === 0 ? 0 : legendRows * legendRowHeight + 8;
  // The legend sits under the plot; a long legend makes the document taller rather than the plot flatter.
  const height = Math.max(spec.height ?? 420, margin.top + margin.bottom + 160 + legendHeight);
  const plot = {
    left: margin.left,
    top: margin.top,
    right: width - margin.right,
    bottom: height - margin.bottom - legendHeight,
  };
  const parts: string[] = [
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${num(width / 2)}" y="24" text-anchor="middle" ${font} font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];

  const drawn = spec.series
    .flatMap((s) => [
      ...segments(s.points).flat(),
      ...(s.band ?? []).flatMap(([x, lo, hi]): [number, number][] => [
        [x, lo],
        [x, hi],
      ]),
    ])
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (drawn.length === 0) {
    parts.push(
      `<text x="${num((plot.left + plot.right) / 2)}" y="${num((plot.top + plot.bottom) / 2)}" text-anchor="middle" ${font} font-size="14" fill="#666666">no data</text>`,
    );
  } else {
    parts.push(...plotArea(spec, drawn, plot));
  }
  parts.push(
    ...legend(
      spec.series,
      plot.left,
      plot.bottom + margin.bottom + 8,
      (width - margin.left) / legendColumns,
      legendColumns,
    ),
  );

  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    ...parts.map((p) => `  ${p}`),
    `</svg>`,
    "",
  ].join("\n");
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Grid, ticks, axis labels and the series' lines for a chart with at least one finite point. */
function plotArea(spec: ChartSpec, drawn: [number, number][], plot: Box): string[] {
  const xs = drawn.map(([x]) => x);
  const ys = drawn.map(([, y]) => y);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 6);
  const yTicks = spec.yRange
    ? niceTicks(spec.yRange[0], spec.yRange[1], 5).filter((t) => t >= spec.yRange![0] && t <= spec.yRange![1])
    : niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const [y0, y1] = spec.yRange ?? [yTicks[0]!, yTicks[yTicks.length - 1]!];
  const px = (x: number) => plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left);
  const py = (y: number) => plot.bottom - ((y - y0) / (y1 - y0 || 1)) * (plot.bottom - plot.top);
  const xStep = xTicks.length > 1 ? xTicks[1]! - xTicks[0]! : 1;
  const yStep = yTicks.length > 1 ? yTicks[1]! - yTicks[0]! : Math.abs(y1 - y0) || 1;

  const clip = spec.id ? `plot-area-${spec.id}` : "plot-area";
  const out: string[] = [
    `<defs><clipPath id="${clip}"><rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/></clipPath></defs>`,
  ];
  for (const t of xTicks) {
    const x = num(px(t));
    out.push(`<line x1="${x}" y1="${plot.top}" x2="${x}" y2="${plot.bottom}" stroke="#e4e4e4"/>`);
    out.push(
      `<text x="${x}" y="${plot.bottom + 16}" text-anchor="middle" ${font} font-size="11">${tickLabel(t, xStep)}</text>`,
    );
  }
  for (const t of yTicks) {
    const y = num(py(t));
    out.push(`<line x1="${plot.left}" y1="${y}" x2="${plot.right}" y2="${y}" stroke="#e4e4e4"/>`);
    out.push(
      `<text x="${plot.left - 6}" y="${y}" dy="4" text-anchor="end" ${font} font-size="11">${tickLabel(t, yStep)}</text>`,
    );
  }
  out.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#888888"/>`,
    `<text x="${num((plot.left + plot.right) / 2)}" y="${plot.bottom + 36}" text-anchor="middle" ${font} font-size="12">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(18 ${num((plot.top + plot.bottom) / 2)}) rotate(-90)" text-anchor="middle" ${font} font-size="12">${escapeXml(spec.yLabel)}</text>`,
  );

  out.push(`<g clip-path="url(#${clip})" fill="none" stroke-width="2" stroke-linejoin="round">`);
  spec.series.forEach((s, i) => {
    const { colour, dash } = seriesStyle(i, s.dashed);
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
    // A class and name per series, so a page (and its tests) can tell the series apart.
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    const band = (s.band ?? []).filter(([x, lo, hi]) => [x, lo, hi].every(Number.isFinite));
    if (band.length > 1) {
      const edge = [...band.map(([x, , hi]) => [x, hi]), ...band.reverse().map(([x, lo]) => [x, lo])];
      out.push(
        `  <polygon points="${edge.map(([x, y]) => `${num(px(x!))},${num(py(y!))}`).join(" ")}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`,
      );
    }
    for (const run of segments(s.points)) {
      if (run.length === 1) {
        const [x, y] = run[0]!;
        out.push(`  <circle cx="${num(px(x))}" cy="${num(py(y))}" r="3" fill="${colour}" stroke="none"/>`);
      } else {
        const coords = run.map(([x, y]) => `${num(px(x))},${num(py(y))}`).join(" ");
        out.push(`  <polyline points="${coords}" stroke="${colour}"${dashAttr}/>`);
      }
    }
    out.push(`</g>`);
  });
  out.push(`</g>`);
  return out;
}

/** One legend entry per series (a line sample in its style and its name), in rows of `columns`. */
function legend(
  series: readonly ChartSeries[],
  left: number,
  top: number,
  columnWidth: number,
  columns: number,
): string[] {
  return series.map((s, i) => {
    const { colour, dash } = seriesStyle(i, s.dashed);
    const x = left + (i % columns) * columnWidth;
    const y = top + Math.floor(i / columns) * legendRowHeight;
    const dashAttr = dash ? ` stroke-dasharray="${dash}"` : "";
    const empty = segments(s.points).length === 0 ? " (no data)" : "";
    return (
      `<g><line x1="${num(x)}" y1="${num(y)}" x2="${num(x + 28)}" y2="${num(y)}" stroke="${colour}" stroke-width="2"${dashAttr}/>` +
      `<text x="${num(x + 34)}" y="${num(y)}" dy="4" ${font} font-size="11">${escapeXml(s.name + empty)}</text></g>`
    );
  });
}
