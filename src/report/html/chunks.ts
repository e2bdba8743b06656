/**
 * The report's detail data, split into small script files (report-data/NAME.js) that the page loads only
 * when a reader opens what they hold: a run with thousands of rollouts still opens at once. Script files
 * rather than JSON, because a page opened from disk (file://) may load scripts but not fetch files.
 */
export class Chunks {
  readonly files = new Map<string, unknown[]>();
  private readonly current = new Map<string, { name: string; items: unknown[] }>();
  private serial = 0;

  /** `size`: items per file (a label record or a rollout is a few kilobytes of highlighted code). */
  constructor(private readonly size = 100) {}

  /** Adds `item` to the open file of `series` (a new file when it is full); returns where it went. */
  add(series: string, item: unknown): { c: string; i: number } {
    let open = this.current.get(series);
    if (!open || open.items.length >= this.size) {
      open = { name: `${series.replace(/[^A-Za-z0-9_-]/g, "_")}-${this.serial++}`, items: [] };
      this.current.set(series, open);
      this.files.set(open.name, open.items);
    }
    open.items.push(item);
    return { c: open.name, i: open.items.length - 1 };
  }

  /** Puts `items` in a file of their own (a list the page reads whole, e.g. one iteration's rollout summaries). */
  whole(series: string, items: unknown[]): string {
    const name = `${series.replace(/[^A-Za-z0-9_-]/g, "_")}-${this.serial++}`;
    this.files.set(name, items);
    return name;
  }

  /** The script text of one file: it hands its items to the page's loader. */
  static script(name: string, items: unknown[]): string {
    return `LW_CHUNK(${JSON.stringify(name)},${safeJson(items)});\n`;
  }
}

/** JSON that is safe inside a <script> element (no "</script>", no U+2028/2029 line ends). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
