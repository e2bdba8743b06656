/**
 * Python highlighting for the HTML report, by highlight.js (a maintained highlighter from npm), run here at
 * report time rather than in the page: the page then needs no script of its own for it, and works offline.
 * A response is highlighted as a whole (so a multi-line string stays a string) and then cut at character
 * offsets into pieces — one per line or step — each a balanced HTML fragment.
 */
import hljs from "highlight.js/lib/core";
import python from "highlight.js/lib/languages/python";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

hljs.registerLanguage("python", python);

/** highlight.js's GitHub theme, the CSS its classes need, from the npm package. */
export function highlightCss(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve("highlight.js/styles/github.css"), "utf8");
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `code` highlighted as Python and cut at `cuts` (ascending character offsets into `code`): returns
 * cuts.length + 1 HTML fragments, every span closed at the end of its fragment and reopened in the next.
 */
export function highlightPieces(code: string, cuts: readonly number[]): string[] {
  const html = hljs.highlight(code, { language: "python", ignoreIllegals: true }).value;
  const pieces: string[] = [];
  const open: string[] = []; // the opening tags in force
  let current = "";
  let chars = 0; // characters of `code` consumed so far
  let next = 0; // index into cuts
  const cutHere = () => {
    while (next < cuts.length && cuts[next] === chars) {
      pieces.push(current + "</span>".repeat(open.length));
      current = open.join("");
      next++;
    }
  };
  cutHere();
  for (let i = 0; i < html.length;) {
    if (html[i] === "<") {
      const end = html.indexOf(">", i) + 1;
      const tag = html.slice(i, end);
      if (tag.startsWith("</")) open.pop();
      else open.push(tag);
      current += tag;
      i = end;
      continue;
    }
    // One character of code: a plain character or an entity highlight.js escaped.
    const end = html[i] === "&" ? html.indexOf(";", i) + 1 : i + 1;
    current += html.slice(i, end);
    i = end;
    chars++;
    cutHere();
  }
  pieces.push(current);
  while (pieces.length < cuts.length + 1) pieces.push("");
  return pieces;
}

/** Offsets where each piece after the first starts, for pieces that concatenate to their whole. */
export function offsetsOf(pieces: readonly string[]): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (const p of pieces.slice(0, -1)) {
    at += p.length;
    cuts.push(at);
  }
  return cuts;
}

/** `text` highlighted and cut into its lines (without their newlines). */
export function highlightLines(text: string): string[] {
  const lines = text.split("\n");
  // Cut after each newline, then drop the newline from each piece's end.
  const pieces = highlightPieces(text, offsetsOf(lines.map((l, i) => (i < lines.length - 1 ? l + "\n" : l))));
  return pieces.map((p) => p.replace(/\n(?=(<\/span>)*$)/, ""));
}
