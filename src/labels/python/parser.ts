/**
 * Python parsing in-process: web-tree-sitter running the tree-sitter-python grammar as WebAssembly.
 * Both wasm files ship inside npm packages (web-tree-sitter 0.25 reads grammars of ABI 13–15;
 * tree-sitter-python 0.25 is ABI 15), so nothing is downloaded at run time.
 *
 * A parse is copied into plain JavaScript objects (`PyNode`) and the wasm tree freed at once: the
 * callers walk and rewrite trees freely and never have to remember to call `delete()`.
 */
import { createRequire } from "node:module";
import { Language, Parser } from "web-tree-sitter";

/** One node of a Python syntax tree; `start`/`end` are UTF-16 offsets into the parsed string. */
export interface PyNode {
  /** The grammar's node type: `if_statement`, `identifier`, or an anonymous token such as `+`. */
  type: string;
  /** False for anonymous tokens (operators, keywords, punctuation). */
  named: boolean;
  /** The field this node fills in its parent (`condition`, `left`, `operator`, …), if any. */
  field: string | null;
  start: number;
  end: number;
  /** An `ERROR` node, or a token the parser inserted to recover (`MISSING`). */
  broken: boolean;
  children: PyNode[];
  parent: PyNode | null;
}

/** A parsed program: its text, the root `module` node, and whether any part failed to parse. */
export interface PyTree {
  code: string;
  root: PyNode;
  hasError: boolean;
}

let parserPromise: Promise<Parser> | null = null;

async function initParser(): Promise<Parser> {
  const require = createRequire(import.meta.url);
  await Parser.init();
  const python = await Language.load(require.resolve("tree-sitter-python/tree-sitter-python.wasm"));
  const parser = new Parser();
  parser.setLanguage(python);
  return parser;
}

/** Loads the parser once per process; later calls return the same one. */
export function loadPython(): Promise<Parser> {
  parserPromise ??= initParser();
  return parserPromise;
}

/** Parses Python source into a plain-object tree (syntax errors are kept as `ERROR` nodes, not thrown). */
export async function parsePython(code: string): Promise<PyTree> {
  return parseWith(await loadPython(), code);
}

/** Parses with an already loaded parser, synchronously (for loops that parse many candidate programs). */
export function parseWith(parser: Parser, code: string): PyTree {
  const tree = parser.parse(code);
  if (!tree) throw new Error("tree-sitter returned no tree (no language set?)");
  try {
    const cursor = tree.walk();
    try {
      const root = copySubtree(cursor, null);
      return { code, root, hasError: tree.rootNode.hasError };
    } finally {
      cursor.delete();
    }
  } finally {
    tree.delete();
  }
}

type Cursor = ReturnType<NonNullable<ReturnType<Parser["parse"]>>["walk"]>;

function copySubtree(cursor: Cursor, parent: PyNode | null): PyNode {
  const node: PyNode = {
    type: cursor.nodeType,
    named: cursor.nodeIsNamed,
    field: cursor.currentFieldName,
    start: cursor.startIndex,
    end: cursor.endIndex,
    broken: cursor.nodeIsMissing || cursor.nodeType === "ERROR",
    children: [],
    parent,
  };
  if (cursor.gotoFirstChild()) {
    do node.children.push(copySubtree(cursor, node));
    while (cursor.gotoNextSibling());
    cursor.gotoParent();
  }
  return node;
}
