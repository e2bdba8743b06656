/**
 * GPT-2's byte→unicode table for byte-level BPE: every byte gets a printable character, so a token is a
 * plain string in tokenizer.json (a space is written Ġ, a newline Ċ).
 */
import { utf8Spans } from "./utf8.js";

/** GPT-2's bytes_to_unicode: printable Latin-1 bytes map to themselves, the other 68 to U+0100… in order. */
export const byteToChar: readonly string[] = (() => {
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  return table;
})();

/** The inverse of byteToChar, indexed by UTF-16 code unit (all table characters are below U+0144). */
const charToByte: Int16Array = (() => {
  const inverse = new Int16Array(0x144).fill(-1);
  byteToChar.forEach((ch, b) => (inverse[ch.charCodeAt(0)] = b));
  return inverse;
})();

/** The bytes a byte-level token string stands for; a character outside the table counts as its own UTF-8. */
export function tokenToBytes(token: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    const b = c < charToByte.length ? charToByte[c] : -1;
    if (b >= 0) out.push(b);
    else {
      // As the Hugging Face ByteLevel decoder does for characters it does not know.
      const cp = token.codePointAt(i)!;
      if (cp > 0xffff) i++;
      out.push(...utf8Spans(String.fromCodePoint(cp)).bytes);
    }
  }
  return Uint8Array.from(out);
}

/** The byte-level string of some bytes (each byte replaced by its table character). */
export function bytesToToken(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += byteToChar[bytes[i]];
  return s;
}
