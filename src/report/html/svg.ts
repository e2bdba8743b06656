/** A standalone SVG document (svg-chart.ts) as an element to place inside an HTML page. */
export function inlineSvg(document: string): string {
  return document.replace(/^<\?xml[^>]*>\s*/, "").trim();
}
