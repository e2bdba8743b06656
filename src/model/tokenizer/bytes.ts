/**
 * Bytes ↔ text for byte-level BPE: GPT-2's byte→unicode table (every byte gets a printable character so a
 * token is a plain string in tokenizer.json), and UTF-8 in both directions with per-byte character spans.
 *
 * JavaScript strings may hold lone surrogates, which UTF-8 cannot carry. We write them as WTF-8 (the
 * three-byte form of the surrogate code point) and read that form back as the same lone surrogate, so
 * decode(encode(s)) === s for every JavaScript string. Well-formed text gets standard UTF-8, byte for byte.
 */

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
export function bytesToToken(bytes: ArrayLike<number>, start = 0, end = bytes.length): string {
  let s = "";
  for (let i = start; i < end; i++) s += byteToChar[bytes[i]];
  return s;
}

/** UTF-8 (WTF-8 for lone surrogates) bytes of `text`, and for each byte the [start, end) of its character. */
export interface Utf8Spans {
  bytes: Uint8Array;
  charStart: Int32Array;
  charEnd: Int32Array;
}

/** Encodes `text` to UTF-8 and records which JavaScript-string character each byte came from. */
export function utf8Spans(text: string): Utf8Spans {
  const bytes = new Uint8Array(text.length * 3);
  const charStart = new Int32Array(bytes.length);
  const charEnd = new Int32Array(bytes.length);
  let n = 0;
  const put = (byte: number, start: number, end: number) => {
    bytes[n] = byte;
    charStart[n] = start;
    charEnd[n++] = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) put(c, i, i + 1);
    else if (c < 0x800) {
      put(0xc0 | (c >> 6), i, i + 1);
      put(0x80 | (c & 63), i, i + 1);
    } else {
      const low = c >= 0xd800 && c < 0xdc00 ? text.charCodeAt(i + 1) : NaN;
      if (low >= 0xdc00 && low < 0xe000) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        put(0xf0 | (cp >> 18), i, i + 2);
        put(0x80 | ((cp >> 12) & 63), i, i + 2);
        put(0x80 | ((cp >> 6) & 63), i, i + 2);
        put(0x80 | (cp & 63), i, i + 2);
        i++;
      } else {
        // Any other BMP character, lone surrogates included (WTF-8).
        put(0xe0 | (c >> 12), i, i + 1);
        put(0x80 | ((c >> 6) & 63), i, i + 1);
        put(0x80 | (c & 63), i, i + 1);
      }
    }
  }
  return {
    bytes: bytes.subarray(0, n),
    charStart: charStart.subarray(0, n),
    charEnd: charEnd.subarray(0, n),
  };
}

// ignoreBOM: a leading U+FEFF is text like any other character, not a marker to drop.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Decodes UTF-8 bytes; a WTF-8 surrogate (ED A0–BF xx) becomes that lone surrogate, any other invalid
 * sequence becomes U+FFFD as TextDecoder does (a model can emit such bytes; they never come from encode).
 */
export function utf8ToString(bytes: Uint8Array): string {
  let out = "";
  let from = 0;
  for (let i = bytes.indexOf(0xed); i >= 0 && i + 2 < bytes.length; i = bytes.indexOf(0xed, i + 1)) {
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    if (b1 < 0xa0 || b1 > 0xbf || b2 < 0x80 || b2 > 0xbf) continue;
    out += utf8.decode(bytes.subarray(from, i));
    out += String.fromCharCode(0xd000 | ((b1 & 63) << 6) | (b2 & 63));
    from = i + 3;
    i += 2;
  }
  return out + utf8.decode(bytes.subarray(from));
}
