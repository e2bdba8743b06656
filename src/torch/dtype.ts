/** Element types a Tensor can hold, by the names PyTorch prints. */
export type DType =
  "float32" | "float64" | "float16" | "bfloat16" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/** A device name: "cpu", "cuda" or "cuda:N". */
export type Device = string;

export const floatingDTypes: readonly DType[] = ["float32", "float64", "float16", "bfloat16"];

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  switch (dtype) {
    case "float64":
    case "int64":
      return 8;
    case "float32":
    case "int32":
      return 4;
    case "float16":
    case "bfloat16":
    case "int16":
      return 2;
    default:
      return 1;
  }
}

const known = new Set<string>([
  "float32",
  "float64",
  "float16",
  "bfloat16",
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "bool",
]);

/** Throws a clear error for a name that is not a DType (user input from configs and options). */
export function checkDType(name: string): DType {
  if (!known.has(name)) throw new Error(`unknown dtype '${name}' (expected one of ${[...known].join(", ")})`);
  return name as DType;
}
