/**
 * Where line-level rewards and labels sit (DESIGN.md, "Training"; PSGPO §4.2, PRLCoder §3.3): on the token
 * holding each line's `\n`, and for a final line without one, on the last token of the text. The mapping
 * goes through character offsets, so it holds for any tokenizer: with `\r\n` the `\n` decides; when a
 * token merges `\n` with the next line's indentation that token is the line end; when one token holds
 * several `\n` (blank lines, possible with GPT-2's split) those lines share it, and the index repeats.
 */

/** Token index holding each line end of `text` (each "\n", and the last token of a final line without one). */
export function lineEndTokens(text: string, offsets: readonly (readonly [number, number])[]): number[] {
  const ends: number[] = [];
  let t = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    while (t < offsets.length && !(offsets[t][0] <= i && i < offsets[t][1])) t++;
    if (t === offsets.length)
      throw new Error(`lineEndTokens: no token covers the line end at character ${i}`);
    ends.push(t);
  }
  if (text.length > 0 && !text.endsWith("\n")) {
    const last = text.length - 1;
    let k = offsets.length - 1;
    while (k >= 0 && !(offsets[k][0] <= last && last < offsets[k][1])) k--;
    if (k < 0) throw new Error(`lineEndTokens: no token covers the last character (${last})`);
    ends.push(k);
  }
  return ends;
}
