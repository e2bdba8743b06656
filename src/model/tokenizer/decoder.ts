/**
 * The two decoders linewise reproduces: ByteLevel (GPT-2, Llama 3, Qwen 2, DeepSeek-Coder: each token
 * character stands for a byte) and the sentencepiece chain (Llama 2, CodeLlama, Mistral: "▁" is a space,
 * <0xXX> is a raw byte, and the text's first space is dropped — Replace, ByteFallback, Fuse, Strip, or
 * the Metaspace decoder that does the same).
 */
import { tokenToBytes } from "./bytes.js";
import { utf8Spans } from "./utf8.js";

export type Decoder =
  | { type: "ByteLevel" }
  | {
      type: "Sentencepiece";
      /** The character that stands for a space ("▁"), or null when tokens keep their spaces. */
      replacement: string | null;
      byteFallback: boolean;
      /** Leading spaces dropped from the decoded text (tokenizers' Strip decoder start; 1 for Llama 2). */
      stripLeading: number;
    };

const byteToken = /^<0x([0-9A-Fa-f]{2})>$/;

/** The bytes a model-vocabulary token stands for under `decoder`. */
export function decodeToken(decoder: Decoder, token: string): Uint8Array {
  if (decoder.type === "ByteLevel") return tokenToBytes(token);
  const byte = decoder.byteFallback ? byteToken.exec(token) : null;
  if (byte) return Uint8Array.of(parseInt(byte[1], 16));
  return utf8Spans(decoder.replacement === null ? token : token.replaceAll(decoder.replacement, " ")).bytes;
}

/** Drops the decoder's leading spaces from a decoded text and shifts its offsets to match. */
export function stripDecoded(
  decoder: Decoder,
  text: string,
  offsets: [number, number][],
): { text: string; offsets: [number, number][] } {
  if (decoder.type === "ByteLevel" || decoder.stripLeading === 0) return { text, offsets };
  let cut = 0;
  while (cut < decoder.stripLeading && text[cut] === " ") cut++;
  if (cut === 0) return { text, offsets };
  return {
    text: text.slice(cut),
    offsets: offsets.map(([s, e]) => [Math.max(0, s - cut), Math.max(0, e - cut)]),
  };
}
