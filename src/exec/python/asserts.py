"""Test code for assert tests, rewritten so that a program's objects cannot fake a comparison.

Every comparison in the test code (setup and asserts, never the program) becomes a call to
`__lw_guard__.compare`, which refuses to compare a trusted value (plain data, see values.py) with an
untrusted one: `assert candidate(x) == 3` cannot pass with an object whose `__eq__` always answers True.
Conditions (assert, if, while, not, and/or) go through `__lw_guard__.truth`, so an object cannot fake
its own truthiness either. Comparisons between two program objects keep Python's meaning.
"""
import ast
import json
import marshal
import operator

from values import tampered, trusted

GUARD = "__lw_guard__"

_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)
_APPLY = (
    operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge,
    lambda a, b: a in b, lambda a, b: a not in b, operator.is_, operator.is_not,
)
_IDENTITY = 8  # op codes from here on (is, is not) compare identities, which no object can fake
_trusted = trusted
_tampered = tampered


class NonPlain(BaseException):
    """A test compared plain data with a program object (BaseException: test code cannot swallow it)."""


def _type_name(value):
    return type.__dict__["__name__"].__get__(type(value))


class Guard:
    """The object the rewritten test code calls; it lives only in the test namespace."""

    __slots__ = ()

    @staticmethod
    def compare(ops, *operands):
        left = operands[0]
        for i, op in enumerate(ops):
            right = operands[i + 1]
            if op < _IDENTITY:
                left_trusted, right_trusted = _trusted(left), _trusted(right)
                if not (left_trusted and right_trusted):
                    # A patched Counter (or a builtin its methods use) would lie for values built by the
                    # tests too. Two trusted values need no such check: they compare in C alone, or
                    # through a guarded class that trusted() has just found unchanged. Checking only
                    # here spares every honest comparison a walk over ~120 standard functions, which
                    # in a forked child cost ~170 first touches of pages, ~6 ms a program (issue 16).
                    changed = _tampered()
                    if changed is not None:
                        raise NonPlain("the program changed the standard class " + changed
                                       + ", so no comparison is trusted")
                    if left_trusted is not right_trusted:
                        odd = left if not left_trusted else right
                        raise NonPlain("compared plain data with a " + _type_name(odd) + " object")
            if not _APPLY[op](left, right):
                return False
            left = right
        return True

    @staticmethod
    def truth(value):
        if not _trusted(value):
            raise NonPlain("used a " + _type_name(value) + " object as a condition")
        return value


class _Rewriter(ast.NodeTransformer):
    def _guard_call(self, method, args):
        func = ast.Attribute(value=ast.Name(id=GUARD, ctx=ast.Load()), attr=method, ctx=ast.Load())
        return ast.Call(func=func, args=args, keywords=[])

    def _truth(self, node):
        return self._guard_call("truth", [node])

    def visit_Compare(self, node):
        self.generic_visit(node)
        codes = ast.Tuple(elts=[ast.Constant(value=_OPS.index(type(op))) for op in node.ops], ctx=ast.Load())
        return self._guard_call("compare", [codes, node.left, *node.comparators])

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            node.operand = self._truth(node.operand)
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        node.values = [self._truth(v) for v in node.values]
        return node

    def _test(self, node):
        self.generic_visit(node)
        node.test = self._truth(node.test)
        return node

    visit_Assert = visit_If = visit_While = visit_IfExp = _test

    def visit_comprehension(self, node):
        self.generic_visit(node)
        node.ifs = [self._truth(cond) for cond in node.ifs]
        return node


def compile_test(source, name):
    """Compile test code with every comparison and condition guarded (raises SyntaxError as compile does)."""
    tree = ast.parse(source, name, "exec")
    tree = ast.fix_missing_locations(_Rewriter().visit(tree))
    return compile(tree, name, "exec", dont_inherit=True)


def compile_tests(text):
    """Assert tests as JSON `[setup, asserts]`, compiled and marshalled for the child (child.py `run_job`),
    or a marshalled string saying why they do not compile. The server compiles them, not the forking
    helper: every page the helper writes after a fork faults (forker.py), and compiling touches hundreds."""
    setup, asserts = json.loads(text)
    try:
        tests = (None if setup is None else compile_test(setup, "<setup>"),
                 [compile_test(a, "<assert %d>" % i) for i, a in enumerate(asserts)])
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        # Nesting too deep for the parser or the rewrite is the tests' fault too; left uncaught, it would
        # end the server that compiles them.
        tests = "%s: %s" % (type(e).__name__, e)
    return marshal.dumps(tests)
