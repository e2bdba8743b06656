import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeXml, lineChart, niceTicks, seriesStyle, smooth } from "../../src/report/svg-chart.js";

/** Throws unless every tag is closed in order and every `&` starts an entity: enough to catch broken SVG. */
function assertWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml[^?]*\?>/, "");
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name!);
  }
  assert.deepEqual(stack, [], "unclosed elements");
  const stray = body.replace(/<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g, "");
  assert.doesNotMatch(stray, /[<>]/, "a < or > outside a well-formed tag");
  assert.doesNotMatch(body, /&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/, "a bare &");
}

/** The plot area's rectangle: the clip path's rect. */
function plotBox(svg: string) {
  const m = svg.match(
    /<clipPath id="plot-area"><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/,
  );
  assert.ok(m, "no plot area");
  const [x, y, w, h] = m.slice(1).map(Number) as [number, number, number, number];
  return { left: x, top: y, right: x + w, bottom: y + h };
}

function polylines(svg: string): [number, number][][] {
  return [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) =>
    m[1]!.split(" ").map((p) => p.split(",").map(Number) as [number, number]),
  );
}

test("niceTicks gives 1/2/5 × 10^k steps that cover the range", () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0, 7, 5), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(-0.013, 0.071, 5), [-0.02, 0, 0.02, 0.04, 0.06, 0.08]);
  for (const [lo, hi] of [
    [3.7, 912],
    [-42, -0.5],
    [0.1, 0.3],
    [1e-7, 3e-6],
  ] as const) {
    const ticks = niceTicks(lo, hi, 5);
    assert.ok(ticks[0]! <= lo && ticks[ticks.length - 1]! >= hi, `${ticks} covers ${lo}..${hi}`);
    assert.ok(ticks.length >= 3 && ticks.length <= 8, `${ticks.length} ticks for ${lo}..${hi}`);
    const step = ticks[1]! - ticks[0]!;
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    assert.ok(
      [1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6),
      `step ${step} is not 1, 2 or 5 × 10^k`,
    );
  }
});

test("niceTicks widens a zero-width range and rejects non-finite bounds", () => {
  const ticks = niceTicks(3, 3);
  assert.ok(ticks[0]! < 3 && ticks[ticks.length - 1]! > 3 && ticks.includes(3));
  assert.ok(niceTicks(0, 0).includes(0));
  assert.throws(() => niceTicks(0, Infinity), RangeError);
});

test("smooth is a trailing mean over the last `window` finite points and keeps gaps", () => {
  const pts: [number, number][] = [
    [0, 1],
    [1, 3],
    [2, 5],
    [3, NaN],
    [4, 11],
  ];
  assert.deepEqual(smooth(pts, 2), [
    [0, 1],
    [1, 2],
    [2, 4],
    [3, NaN],
    [4, 11], // its window holds [3, NaN] and [4, 11]; only 11 is finite
  ]);
  assert.deepEqual(smooth(pts, 3)[2], [2, 3]);
  assert.deepEqual(smooth(pts, 1), pts);
  assert.throws(() => smooth(pts, 0), RangeError);
});

test("every series becomes a polyline with one vertex per point, inside the plot area", () => {
  const svg = lineChart({
    title: "pass rate",
    xLabel: "iteration",
    yLabel: "rate",
    series: [
      { name: "a", points: [0, 1, 2, 3, 4, 5, 6].map((i): [number, number] => [i * 10, 0.1 * i]) },
      {
        name: "b",
        points: [
          [0, -0.2],
          [35, 0.4],
          [60, 0.9],
        ],
        dashed: true,
      },
    ],
  });
  assertWellFormed(svg);
  assert.match(svg, /viewBox="0 0 720 \d+"/);
  const box = plotBox(svg);
  const lines = polylines(svg);
  assert.deepEqual(
    lines.map((l) => l.length),
    [7, 3],
  );
  for (const [x, y] of lines.flat()) {
    assert.ok(x >= box.left && x <= box.right && y >= box.top && y <= box.bottom, `(${x}, ${y}) outside`);
  }
  // Larger y is drawn higher; the first x sits on the left edge (the x ticks start at 0).
  assert.ok(lines[0]![6]![1] < lines[0]![0]![1]);
  assert.equal(lines[0]![0]![0], box.left);
  assert.match(svg, /<polyline points="[^"]*" stroke="#[0-9A-F]{6}" stroke-dasharray="[\d ]+"\/>/);
  // Tick labels and axis labels are there.
  for (const label of [">0.0<", ">1.0<", ">60<", ">iteration<", ">rate<", ">pass rate<"])
    assert.ok(svg.includes(label), label);
});

test("a non-finite y splits the line, and a lone point becomes a marker", () => {
  const svg = lineChart({
    title: "gaps",
    xLabel: "x",
    yLabel: "y",
    series: [
      {
        name: "gappy",
        points: [
          [0, 1],
          [1, 2],
          [2, NaN],
          [3, 2],
          [4, 3],
          [5, Infinity],
          [6, 1],
        ],
      },
      { name: "one", points: [[2, 2]] },
    ],
  });
  assertWellFormed(svg);
  assert.deepEqual(
    polylines(svg).map((l) => l.length),
    [2, 2],
  );
  assert.equal(svg.match(/<circle /g)?.length, 2); // [6, 1] after the gap, and the single-point series
});

test("series names and labels are escaped", () => {
  const svg = lineChart({
    title: `<script>alert("x")</script>`,
    xLabel: "a & b",
    yLabel: "it's",
    series: [
      {
        name: `</text><rect/> & "q"`,
        points: [
          [0, 0],
          [1, 1],
        ],
      },
    ],
  });
  assertWellFormed(svg);
  assert.ok(!svg.includes("<script>"));
  assert.ok(svg.includes(escapeXml(`</text><rect/> & "q"`)));
  assert.equal(escapeXml(`<&>"'`), "&#60;&#38;&#62;&#34;&#39;");
});

test("empty data still gives a valid SVG that says so", () => {
  for (const series of [
    [],
    [{ name: "nothing", points: [] }],
    [{ name: "nan", points: [[0, NaN]] as [number, number][] }],
  ]) {
    const svg = lineChart({ title: "t", xLabel: "x", yLabel: "y", series });
    assertWellFormed(svg);
    assert.match(svg, />no data</);
    assert.equal(polylines(svg).length, 0);
  }
});

test("yRange fixes the y axis and the legend lists every series", () => {
  const series = Array.from({ length: 9 }, (_, i) => ({
    name: `s${i}`,
    points: [
      [0, 0.5],
      [1, 0.6],
    ] as [number, number][],
  }));
  const svg = lineChart({ title: "t", xLabel: "x", yLabel: "y", series, yRange: [0, 1] });
  assertWellFormed(svg);
  assert.ok(svg.includes(">0.0<") && svg.includes(">1.0<"));
  for (const s of series) assert.ok(svg.includes(`>${s.name}<`), s.name);
  // The eighth series repeats the first colour, so it must be dashed while the first is solid.
  assert.equal(seriesStyle(7).colour, seriesStyle(0).colour);
  assert.equal(seriesStyle(0).dash, "");
  assert.notEqual(seriesStyle(7).dash, "");
  assert.notEqual(seriesStyle(7).dash, seriesStyle(0, true).dash);
});
