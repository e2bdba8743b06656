/**
 * A reader for the one kind of pickle LiveCodeBench ships: a pickled Python `str` (its private tests are
 * `base64(zlib(pickle.dumps(json_string)))`). Decoded in TypeScript rather than by calling Python's
 * `pickle.loads`, because unpickling runs arbitrary code: this reader knows only the opcodes that build one
 * string (protocols 0 to 5) and rejects everything else, so a hostile dataset row can do nothing.
 */
import { RowError } from "./rows.js";

const PROTO = 0x80;
const FRAME = 0x95;
const STOP = 0x2e; // "."
const UNICODE = 0x56; // "V": raw-unicode-escape text up to "\n" (protocol 0)
const BINUNICODE = 0x58; // "X": 4-byte length, UTF-8
const SHORT_BINUNICODE = 0x8c; // 1-byte length, UTF-8
const BINUNICODE8 = 0x8d; // 8-byte length, UTF-8
const PUT = 0x70; // "p": memo index as a text line
const BINPUT = 0x71; // "q": 1-byte memo index
const LONG_BINPUT = 0x72; // "r": 4-byte memo index
const MEMOIZE = 0x94;

/** The string a pickle of a Python `str` holds; a RowError for any other pickle. */
export function unpickleString(bytes: Buffer): string {
  let at = 0;
  let result: string | undefined;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new RowError("pickle ends early");
  };
  const line = () => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) throw new RowError("pickle ends early");
    const s = bytes.subarray(at, end);
    at = end + 1;
    return s;
  };
  const utf8 = (length: number) => {
    need(length);
    const s = bytes.toString("utf8", at, at + length);
    at += length;
    return s;
  };
  const push = (s: string) => {
    if (result !== undefined) throw new RowError("pickle holds more than one string");
    result = s;
  };
  while (at < bytes.length) {
    const op = bytes[at++]!;
    switch (op) {
      case PROTO:
        need(1);
        at += 1;
        break;
      case FRAME:
        need(8);
        at += 8;
        break;
      case MEMOIZE:
        break;
      case BINPUT:
        need(1);
        at += 1;
        break;
      case LONG_BINPUT:
        need(4);
        at += 4;
        break;
      case PUT:
        line();
        break;
      case SHORT_BINUNICODE:
        need(1);
        push(utf8(bytes[at++]!));
        break;
      case BINUNICODE:
        need(4);
        at += 4;
        push(utf8(bytes.readUInt32LE(at - 4)));
        break;
      case BINUNICODE8: {
        need(8);
        const length = bytes.readBigUInt64LE(at);
        at += 8;
        if (length > BigInt(bytes.length)) throw new RowError("pickle ends early");
        push(utf8(Number(length)));
        break;
      }
      case UNICODE:
        push(rawUnicodeEscape(line().toString("latin1")));
        break;
      case STOP:
        if (result === undefined) throw new RowError("pickle holds no string");
        return result;
      default:
        throw new RowError(
          `pickle is not a plain string (opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at - 1})`,
        );
    }
  }
  throw new RowError("pickle has no STOP opcode");
}

/** Python's raw-unicode-escape: latin-1 bytes with \uXXXX and \UXXXXXXXX escapes (pickle escapes "\" and "\n" so). */
function rawUnicodeEscape(latin1: string): string {
  return latin1.replace(
    /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
    (_, u4: string | undefined, u8: string | undefined) => {
      const code = parseInt((u4 ?? u8)!, 16);
      if (code > 0x10ffff)
        throw new RowError(`pickle holds an invalid character escape (U+${code.toString(16)})`);
      return String.fromCodePoint(code);
    },
  );
}
