/**
 * UTF-8 in both directions, with the character span of every byte (token offsets come from these).
 *
 * JavaScript strings may hold lone surrogates, which UTF-8 cannot carry. We write them as WTF-8 (the
 * three-byte form of the surrogate code point) and read that form back as the same lone surrogate, so
 * decode(encode(s)) === s for every JavaScript string. Well-formed text gets standard UTF-8, byte for byte.
 */

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

/** Text decoded from UTF-8, and for each byte the [start, end) of the character it went into. */
export interface DecodedSpans {
  text: string;
  charStart: Int32Array;
  charEnd: Int32Array;
}

/**
 * Decodes UTF-8 as TextDecoder does (each maximal invalid subpart becomes one U+FFFD; a leading U+FEFF is
 * kept), except that a WTF-8 surrogate (ED A0–BF 80–BF) becomes that lone surrogate. Invalid bytes never
 * come from encode, but a model can sample them.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedSpans {
  const n = bytes.length;
  const charStart = new Int32Array(n);
  const charEnd = new Int32Array(n);
  const units = new Uint16Array(n + 1); // never more UTF-16 units than bytes (+1 for a pending U+FFFD)
  let length = 0;
  const emit = (codePoint: number, from: number, to: number) => {
    const start = length;
    if (codePoint > 0xffff) {
      units[length++] = 0xd800 + ((codePoint - 0x10000) >> 10);
      units[length++] = 0xdc00 + ((codePoint - 0x10000) & 0x3ff);
    } else units[length++] = codePoint;
    charStart.fill(start, from, to);
    charEnd.fill(length, from, to);
  };
  // The WHATWG decoder's state: continuation bytes still needed, their allowed range, the code point so far.
  let needed = 0;
  let seen = 0;
  let codePoint = 0;
  let lower = 0x80;
  let upper = 0xbf;
  let lead = 0;
  const fail = (at: number) => {
    // ED A0–BF is a surrogate's start to us but invalid to WHATWG, which rejects ED alone and then A0–BF.
    if (bytes[lead] === 0xed && seen === 1 && bytes[lead + 1] >= 0xa0) {
      emit(0xfffd, lead, lead + 1);
      emit(0xfffd, lead + 1, at);
    } else emit(0xfffd, lead, at);
    needed = seen = codePoint = 0;
    lower = 0x80;
    upper = 0xbf;
  };
  for (let i = 0; i < n; i++) {
    const byte = bytes[i];
    if (needed === 0) {
      lead = i;
      if (byte < 0x80) emit(byte, i, i + 1);
      else if (byte >= 0xc2 && byte <= 0xdf) [needed, codePoint] = [1, byte & 0x1f];
      else if (byte >= 0xe0 && byte <= 0xef)
        [needed, codePoint, lower] = [2, byte & 0xf, byte === 0xe0 ? 0xa0 : 0x80];
      else if (byte >= 0xf0 && byte <= 0xf4) {
        [needed, codePoint] = [3, byte & 0x7];
        if (byte === 0xf0) lower = 0x90;
        if (byte === 0xf4) upper = 0x8f;
      } else emit(0xfffd, i, i + 1);
      continue;
    }
    if (byte < lower || byte > upper) {
      fail(i);
      i--; // the byte starts afresh
      continue;
    }
    [lower, upper] = [0x80, 0xbf];
    codePoint = (codePoint << 6) | (byte & 0x3f);
    if (++seen === needed) {
      emit(codePoint, lead, i + 1);
      needed = seen = codePoint = 0;
    }
  }
  if (needed > 0) fail(n);
  let text = "";
  for (let i = 0; i < length; i += 8192)
    text += String.fromCharCode(...units.subarray(i, Math.min(length, i + 8192)));
  return { text, charStart, charEnd };
}
