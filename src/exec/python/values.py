"""Values that cross the sandbox boundary, judged without running the program's code.

`plain_json` serialises a return value with its exact type (issue 15): JSON for int (any size), str,
bool, None, list and str-keyed dict, and tagged objects for the rest, {"$tuple": [...]}, {"$set": [...]},
{"$counter": [[k, v], ...]}, {"$float": "2.0"}, … (the list is in exactJson.ts). Only these exact
classes are carried; a subclass, a program's class or anything else is not plain data, which is a wrong
answer (issue 3). Encoding reads containers through the builtin types' own C-level methods, bound here,
so no code the program wrote runs while its value is read, and Node compares the result.
`trusted` decides whether comparing a value can run code the program wrote: the assert rewriting
(asserts.py) refuses to compare a trusted value with an untrusted one, which defeats an object whose
`__eq__` always answers True.

Every builtin used after the program has run is bound here at import time, so a program that patches
`builtins` or `json` cannot change what this module does.
"""
import builtins
import collections
import decimal
import dis
import fractions
import itertools
import numbers
import operator
import sys
from json.encoder import encode_basestring_ascii as _encode_str

try:
    from _json import make_encoder as _make_encoder
except ImportError:  # a Python without the C accelerator: the pure encoder, bound now
    _make_encoder = None
    import json as _json

    _py_dumps = _json.JSONEncoder(ensure_ascii=True, allow_nan=True, separators=(",", ":")).encode

_type = type
_id = id
_map = map
_set = set
_frozenset = frozenset
_dict_items = dict.items
_str = str
_int = int
_float = float
_tuple = tuple
_list = list
_len = len
_set_max_digits = getattr(sys, "set_int_max_str_digits", None)

_SCALARS = _frozenset({int, float, bool, str, type(None)})
_LEAVES = _SCALARS | {complex, bytes, range, slice, type(Ellipsis), type(NotImplemented)}
_KEYS = _SCALARS
# Comparison, hashing and truthiness: the dunders through which a value's class decides an `==`.
_RISKY = _frozenset(
    {
        "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__bool__", "__len__",
        "__contains__", "__iter__", "__getitem__", "__getattribute__", "__getattr__", "__class__",
    }
)
# Python-level classes from the standard library whose comparisons are not the program's.
# Fraction's bases, the numbers ABCs, declare comparisons too; they are guarded like Counter (below).
_ALLOWED = _frozenset({collections.Counter, collections.OrderedDict, collections.defaultdict, collections.deque,
                       fractions.Fraction, decimal.Decimal, numbers.Number, numbers.Complex, numbers.Real,
                       numbers.Rational})
_SEQUENCES = ((list, list.__iter__), (tuple, tuple.__iter__), (set, set.__iter__),
              (frozenset, frozenset.__iter__), (collections.deque, collections.deque.__iter__))

# Read class internals through `type`'s own descriptors: a metaclass cannot shadow these.
_mro_of = type.__dict__["__mro__"].__get__
_dict_of = type.__dict__["__dict__"].__get__
_flags_of = type.__dict__["__flags__"].__get__
_HEAPTYPE = 1 << 9
_IMMUTABLE = 1 << 8 if sys.version_info >= (3, 10) else 0

_PLAIN_SCALARS = _frozenset({int, bool, str, type(None)})  # floats need a look: 2.0 is tagged
_NUMBERS = _frozenset({int, float})
_kind_of = {int: "i", float: "f"}.__getitem__
_MAX_DEPTH = 200
_iter = iter
_float_is_integer = float.is_integer
_float_repr = float.__repr__
_INFINITIES = (float("inf"), float("-inf"))
_list_iter = list.__iter__
_tuple_iter = tuple.__iter__
_complex_real = complex.__dict__["real"].__get__
_complex_imag = complex.__dict__["imag"].__get__
_bytes_hex = bytes.hex
_bytearray_hex = bytearray.hex
# Fraction keeps its parts in slots; their member descriptors read them without running Python code.
_fraction_numerator = fractions.Fraction.__dict__["_numerator"].__get__
_fraction_denominator = fractions.Fraction.__dict__["_denominator"].__get__
_decimal_str = decimal.Decimal.__str__
_Fraction = fractions.Fraction
# The exact classes carried with a tag (besides tuple, dict and float, handled first).
_TAGS = {
    set: "$set", frozenset: "$frozenset", collections.deque: "$deque", complex: "$complex",
    bytes: "$bytes", bytearray: "$bytearray", fractions.Fraction: "$fraction", decimal.Decimal: "$decimal",
    collections.Counter: "$counter", collections.OrderedDict: "$ordereddict",
    collections.defaultdict: "$defaultdict",
}
_ITERATORS = {set: set.__iter__, frozenset: frozenset.__iter__, collections.deque: collections.deque.__iter__}


class _NotTyped(Exception):
    """A value of a class that linewise does not carry."""


# Standard-library classes written in Python (Counter, Fraction and the numbers ABCs): a program can patch
# their members, the code objects or defaults of their methods, or the module globals and builtins those
# methods look up. They stay trusted only while all of that is as it was when the harness started; every
# check below is a C-level loop, so it costs microseconds.
_FunctionType = type(lambda: None)
_func_code = _FunctionType.__dict__["__code__"].__get__
_func_defaults = _FunctionType.__dict__["__defaults__"].__get__
_func_kwdefaults = _FunctionType.__dict__["__kwdefaults__"].__get__
_func_globals = _FunctionType.__dict__["__globals__"].__get__
_CodeType = type(_func_code(lambda: None))
_code_consts = _CodeType.__dict__["co_consts"].__get__
_builtins_dict = builtins.__dict__
_dict_keys = type(_dict_of(object)).keys  # a class's __dict__ is a mappingproxy over a dict
_dict_values = type(_dict_of(object)).values
_is = operator.is_
_all = all
_repeat = itertools.repeat
_MISSING = object()


def _global_names(code, out):
    """The global names `code` (and the code nested in it) loads."""
    for ins in dis.get_instructions(code):
        if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            out.add(ins.argval)
    for const in _code_consts(code):
        if _type(const) is _CodeType:
            _global_names(const, out)
    return out


def _functions_of(member):
    """The Python functions behind a class member (a method, a property's accessors, a classmethod's …)."""
    if _type(member) is _FunctionType:
        return [member]
    if _type(member) is property:
        return [f for f in (member.fget, member.fset, member.fdel) if _type(f) is _FunctionType]
    if _type(member) in (classmethod, staticmethod) and _type(member.__func__) is _FunctionType:
        return [member.__func__]
    return []


class _Guard:
    """What the guarded classes depend on, recorded at start-up and compared identity by identity later."""

    def __init__(self, classes):
        self.classes = classes
        self.keys = [_list(_dict_keys(_dict_of(c))) for c in classes]
        self.values = [_list(_dict_values(_dict_of(c))) for c in classes]
        funcs = [f for c in classes for m in _dict_values(_dict_of(c)) for f in _functions_of(m)]
        self.funcs = funcs
        self.codes = _list(_map(_func_code, funcs))
        self.defaults = _list(_map(_func_defaults, funcs))
        self.kwdefaults = _list(_map(_func_kwdefaults, funcs))
        lookups = {}
        for f in funcs:
            g = _func_globals(f)
            _global_names(_func_code(f), lookups.setdefault(_id(g), (g, _set()))[1])
        self.globals = [(g, _list(names), [g.get(n, _MISSING) for n in names]) for g, names in lookups.values()]
        self.builtin_names = _list(_set().union(*[names for _, names, _ in self.globals]))
        self.builtins = [_builtins_dict.get(n, _MISSING) for n in self.builtin_names]

    def changed(self):
        """A guarded class, when anything recorded has changed (one change distrusts them all), else None."""
        for cls, keys, values in zip(self.classes, self.keys, self.values):
            d = _dict_of(cls)
            if _len(d) != _len(keys) or not (
                _all(_map(_is, _dict_keys(d), keys)) and _all(_map(_is, _dict_values(d), values))
            ):
                return cls
        funcs = self.funcs
        intact = (
            _all(_map(_is, _map(_func_code, funcs), self.codes))
            and _all(_map(_is, _map(_func_defaults, funcs), self.defaults))
            and _all(_map(_is, _map(_func_kwdefaults, funcs), self.kwdefaults))
            and _all(_map(_is, _map(_builtins_dict.get, self.builtin_names, _repeat(_MISSING)), self.builtins))
        )
        for g, names, values in self.globals:
            intact = intact and _all(_map(_is, _map(g.get, names, _repeat(_MISSING)), values))
        return None if intact else self.classes[0]


_class_cache = {}
_UNTRUSTED = 0
_LEAF = 1
_DICT = 2


def _frozen(cls):
    """A class implemented in C (static or immutable): the program cannot have written or changed it."""
    flags = _flags_of(cls)
    return not flags & _HEAPTYPE or bool(flags & _IMMUTABLE)


_GUARDED_CLASSES = [cls for cls in _ALLOWED if not _frozen(cls)]
_guard = _Guard(_GUARDED_CLASSES)
_GUARDED = _frozenset(_GUARDED_CLASSES)
_PLAIN_CONTAINERS = _frozenset({list, tuple, dict, set, frozenset})


def tampered():
    """The name of a guarded standard class the program has changed (or whose lookups it has), else None."""
    cls = _guard.changed()
    return None if cls is None else type.__dict__["__name__"].__get__(cls)


def _class_kind(t):
    """_UNTRUSTED, _LEAF, _DICT, or the base iterator for a sequence container."""
    cached = _class_cache.get(t)
    if cached is not None:
        return cached
    mro = _mro_of(t)
    for cls in mro:
        if cls is object or _frozen(cls) or cls in _ALLOWED:
            continue
        names = _dict_of(cls)
        for name in _RISKY:
            if name in names:
                return _UNTRUSTED  # never cached: a program's class can change later
    kind = _LEAF
    if dict in mro:
        kind = _DICT
    else:
        for base, iterate in _SEQUENCES:
            if base in mro:
                kind = iterate
                break
    if all(_frozen(cls) or cls in _ALLOWED for cls in mro):
        _class_cache[t] = kind
    return kind


def trusted(value, budget=2_000_000):
    """True when comparing `value` runs no code the program wrote (containers checked all the way down)."""
    stack = [value]
    seen = _set()
    while stack:
        x = stack.pop()
        t = _type(x)
        if t in _LEAVES:
            continue
        budget -= 1
        if budget < 0:
            return False
        kind = _class_kind(t)
        if kind is _UNTRUSTED:
            return False
        if t not in _PLAIN_CONTAINERS and not _GUARDED.isdisjoint(_mro_of(t)) and _guard.changed() is not None:
            return False
        if kind is _LEAF:
            if t is _Fraction and not (_type(_fraction_numerator(x)) is int and _type(_fraction_denominator(x)) is int):
                return False  # its slots hold something else (set through object.__setattr__)
            continue
        key = _id(x)
        if key in seen:
            continue
        seen.add(key)
        if kind is _DICT:
            for k, v in _dict_items(x):
                stack.append(k)
                stack.append(v)
            budget -= _len(x)
        else:
            items = _list(kind(x))
            budget -= _len(items)
            if not _set(_map(_type, items)) <= _LEAVES:
                stack.extend(items)
    return True


def _plain(value, budget=5_000_000):
    """True when `value` needs no tag: exact int, str, bool, None, list, and dicts keyed by str (no floats)."""
    stack = [(value, 0)]
    while stack:
        x, depth = stack.pop()
        t = _type(x)
        if t in _PLAIN_SCALARS:
            continue
        budget -= 1
        if budget < 0 or depth > _MAX_DEPTH:
            return False
        if t is list:
            if not _set(_map(_type, x)) <= _PLAIN_SCALARS:
                stack.extend((item, depth + 1) for item in x)
            budget -= _len(x)
        elif t is dict:
            if _len(x) == 1 and _type(next(_iter(x))) is _str and next(_iter(x)).startswith("$"):
                return False  # would read as a tag
            for k, v in _dict_items(x):
                if _type(k) is not _str:
                    return False
                stack.append((v, depth + 1))
            budget -= _len(x)
        else:
            return False
    return True


def _float_form(x):
    """A float as JSON: a number when JSON keeps it a float in Node, else {"$float": repr}."""
    if x != x:
        return {"$float": "nan"}
    if x in _INFINITIES:
        return {"$float": "inf" if x > 0 else "-inf"}
    if _float_is_integer(x):
        return {"$float": _float_repr(x)}  # 2.0 would read back as the int 2
    return x


def _pairs(d, depth, budget):
    return [[_typed(k, depth, budget), _typed(v, depth, budget)] for k, v in _dict_items(d)]


def _typed(x, depth, budget):
    """`x` as plain JSON data with tags for what JSON cannot say; raises _NotTyped for anything else."""
    t = _type(x)
    if t in _PLAIN_SCALARS:
        return x
    budget[0] -= 1
    if budget[0] < 0 or depth > _MAX_DEPTH:
        raise _NotTyped
    depth += 1
    if t is float:
        return _float_form(x)
    if t is list:
        types = _set(_map(_type, x))
        if types <= _PLAIN_SCALARS:
            budget[0] -= _len(x)
            return x
        if types <= _NUMBERS:
            # Ints and floats: the list as it is, and a kind per item ("i" or "f") that keeps 2.0 a float
            # in Node. Written by the C encoder with no Python loop: a tag per float took seconds for the
            # million-item lists of HumanEval/130.
            budget[0] -= _len(x)
            return {"$numbers": [x, "".join(_map(_kind_of, _map(_type, x)))]}
        return [_typed(item, depth, budget) for item in _list_iter(x)]
    if t is tuple:
        return {"$tuple": [_typed(item, depth, budget) for item in _tuple_iter(x)]}
    if t is dict:
        if _plain_keys(x):
            return {k: _typed(v, depth, budget) for k, v in _dict_items(x)}
        return {"$dict": _pairs(x, depth, budget)}
    tag = _TAGS.get(t)
    if tag is None:
        raise _NotTyped
    if tag == "$set" or tag == "$frozenset" or tag == "$deque":
        return {tag: [_typed(item, depth, budget) for item in _ITERATORS[t](x)]}
    if tag == "$complex":
        return {tag: [_float_form(_complex_real(x)), _float_form(_complex_imag(x))]}
    if tag == "$bytes" or tag == "$bytearray":
        return {tag: _bytes_hex(x) if tag == "$bytes" else _bytearray_hex(x)}
    if tag == "$fraction":
        num, den = _fraction_numerator(x), _fraction_denominator(x)
        if _type(num) is not int or _type(den) is not int:
            raise _NotTyped  # slots overwritten with something else
        return {tag: [num, den]}
    if tag == "$decimal":
        return {tag: _decimal_str(x)}
    return {tag: _pairs(x, depth, budget)}  # Counter, OrderedDict, defaultdict


def _plain_keys(d):
    """True when a dict can be a JSON object: every key a str, and not one lone '$…' key (a tag)."""
    for k in d:
        if _type(k) is not _str:
            return False
    return not (_len(d) == 1 and next(_iter(d)).startswith("$"))


def _refuse(o):
    raise TypeError("not plain")


if _make_encoder is not None:
    # markers={} makes the encoder reject cycles.
    _encode = _make_encoder({}, _refuse, _encode_str, None, ":", ",", False, False, True)
else:
    _encode = None


def plain_json(value):
    """JSON text for `value` with its exact types (tagged, see exactJson.ts), or None when it has a type
    linewise does not carry (a program's own class, a subclass, a function, a cycle, …)."""
    try:
        data = value if _plain(value) else _typed(value, 0, [5_000_000])
        try:
            return _dumps_limited(data)
        except ValueError:
            if _set_max_digits is None:
                raise
        # An int too long to write in decimal soon (see _DECIMAL_DIGITS): such ints go as hex tags.
        return _dumps_limited(_hex_long_ints(data, 0))
    except (_NotTyped, TypeError, ValueError, RecursionError):
        return None


# Writing an int in decimal takes time quadratic in its length on CPython before 3.12 (26 s for the million
# digits of HumanEval/83's largest outputs, which EvalPlus compares without writing), so ints over this
# many digits are sent as {"$bigint": "0x…"}, in linear time; shorter ones stay decimal, readable.
_DECIMAL_DIGITS = 10_000
_HEX_BITS = 30_000  # under _DECIMAL_DIGITS digits (10^10000 is about 2^33219), so every refused int is caught
_int_bit_length = int.bit_length
_hex = hex


def _dumps_limited(data):
    """JSON text of plain data; ValueError for an int of over _DECIMAL_DIGITS digits (Python 3.11+) or a cycle.
    The program sees the digit limit as 0 (exact big ints) afterwards, as before this limit existed."""
    if _set_max_digits is not None:
        _set_max_digits(_DECIMAL_DIGITS)
    try:
        if _encode is None:
            return _py_dumps(data)
        return "".join(_encode(data, 0))
    finally:
        if _set_max_digits is not None:
            _set_max_digits(0)


def _hex_long_ints(x, depth):
    """Plain data (lists, str-keyed dicts, tags, scalars) with ints of over _HEX_BITS bits as hex tags; new
    containers, since plain data may be the program's own lists."""
    t = _type(x)
    if t is int:
        return {"$bigint": _hex(x)} if _int_bit_length(x) > _HEX_BITS else x
    if depth > _MAX_DEPTH:
        raise RecursionError
    if t is list:
        return [_hex_long_ints(item, depth + 1) for item in _list_iter(x)]
    if t is dict:
        return {k: _hex_long_ints(v, depth + 1) for k, v in _dict_items(x)}
    return x


def _from_pairs(cls, pairs):
    out = cls()
    for k, v in pairs:
        out[k] = v
    return out


def _untag(value):
    """Python values for the tagged JSON forms (see exactJson.ts): how arguments reach the program."""
    if _len(value) == 1:
        key, v = next(_iter(_dict_items(value)))
        if key == "$bigint":
            return _int(v, 0)  # decimal, or hex ("0x…") for a long int
        if key == "$float":
            return _float(v)
        if key == "$numbers":
            return [_float(x) if kind == "f" else _int(x) for x, kind in zip(v[0], v[1])]
        if key == "$tuple":
            return _tuple(v)
        if key == "$set":
            return _set(v)
        if key == "$frozenset":
            return _frozenset(v)
        if key == "$complex":
            return complex(v) if _type(v) is _str else complex(v[0], v[1])
        if key == "$dict":
            return _from_pairs(dict, v)
        if key == "$counter":
            return _from_pairs(collections.Counter, v)
        if key == "$ordereddict":
            return _from_pairs(collections.OrderedDict, v)
        if key == "$defaultdict":
            return _from_pairs(lambda: collections.defaultdict(None), v)
        if key == "$deque":
            return collections.deque(v)
        if key == "$bytes":
            return bytes.fromhex(v)
        if key == "$bytearray":
            return bytearray.fromhex(v)
        if key == "$fraction":
            return fractions.Fraction(v[0], v[1])
        if key == "$decimal":
            return decimal.Decimal(v)
    return value


object_hook = _untag



# --- Digests of values too large to send back ---------------------------------------------------------
#
# A return value whose encoding is over a size threshold (MBPP+'s Mbpp/255 returns 1.66 million tuples of
# 77 strings, about 1 GB) is not sent back whole: the sandbox sends the SHA-256 of its canonical encoding
# and that encoding's size, and Node compares digests (issue 15). Only values made of str, int, float, bool,
# None, list and tuple have one ("digestible"): for those, Python's `==` is equality of the canonical form,
# the value with every number equal to an int written as that int (True, 2.0, 2+0j, Fraction(2) and
# Decimal("2.0") all as 2) and every other number equal to a float written as that float (Fraction(1, 2)
# as 0.5). NaN is not digestible (`[nan] == [nan]` holds only for the same object), nor is an expected
# float or list of floats (EvalPlus compares those with a tolerance), nor anything else (a set, a dict, a program's
# class, a subclass): those are named instead; none of them equals a digestible value, so Node can refuse
# to record it or fail the case without a digest. The encoding is `repr` of the canonical form, which for
# these exact builtin types is C code that round-trips and runs no method the program wrote; every type is
# checked exactly before `repr` sees it. An int of over _HEX_BITS bits is written as bytes of its hex
# (b'0x…': bytes are never digestible, so this cannot be confused with a value), as plain_json writes it in
# hex, since repr's decimal takes quadratic time (HumanEval/83's million-digit ints). It is streamed: a list or tuple longer than _CHUNK goes into the
# hash a chunk of items at a time, so memory stays near the value's own size (repr is about 4x quicker
# than the JSON encoder on Mbpp/255's tuples of strings).

_CHUNK = 4096
_REPR_SAFE = _frozenset({int, float, str, type(None), list, tuple})
_SEQUENCE_TYPES = _frozenset({list, tuple})
_NUMBER_TYPES = _frozenset({bool, float, complex, fractions.Fraction, decimal.Decimal})
_LEVEL_BUDGET = 50_000_000  # items looked at per chunk; a value sharing lists to look bigger stops here
_bool = bool
_complex = complex
_repr_of = repr
_range = range
_list_slice = list.__getitem__
_tuple_slice = tuple.__getitem__
_str_encode = str.encode
_slice = slice
_chain = itertools.chain.from_iterable
_eq = operator.eq
_float_ratio = float.as_integer_ratio
_decimal_is_finite = decimal.Decimal.is_finite
_decimal_ratio = decimal.Decimal.as_integer_ratio
_Decimal = decimal.Decimal
_any = any
_sum = sum
_max = max
_type_name = type.__dict__["__name__"].__get__

try:
    from hashlib import sha256 as _sha256
except ImportError:  # a Python built without OpenSSL
    from _sha256 import sha256 as _sha256


class _Other(Exception):
    """A value that is not digestible (it never equals one that is); args[0]: what it holds."""


def _ratio_number(num, den):
    """The int or float that equals num/den (lowest terms, den > 0) exactly, or None."""
    if den == 1:
        return num
    try:
        f = num / den  # correctly rounded
        return f if _float_ratio(f) == (num, den) else None
    except OverflowError:
        return None


def _number(x, t):
    """The canonical int or float equal to a number of exact type `t` (see above), or raises _Other."""
    if t is _bool:
        return _int(x)
    if t is _float:
        if x != x:
            raise _Other("NaN")
        return _int(x) if _float_is_integer(x) else x
    if t is _complex:
        if _complex_imag(x) == 0:
            return _number(_complex_real(x), _float)
    elif t is _Fraction:
        num, den = _fraction_numerator(x), _fraction_denominator(x)
        if _type(num) is _int and _type(den) is _int:
            n = _ratio_number(num, den)
            if n is not None:
                return n
    elif t is _Decimal and _decimal_is_finite(x):
        n = _ratio_number(*_decimal_ratio(x))
        if n is not None:
            return n
    raise _Other(_type_name(t))


def _int_form(n):
    """An int as the canonical form writes it: itself, or bytes of its hex when repr would be slow."""
    return n if _int_bit_length(n) <= _HEX_BITS else _str_encode(_hex(n), "ascii")


def _canonical(x, depth):
    """`x` itself when it holds only exact str, int (of up to _HEX_BITS bits), None, list, tuple and
    non-integral, non-NaN floats (checked a level at a time, in C loops); else a canonical copy."""
    t = _type(x)
    if t is not _list and t is not _tuple:
        return x if t in _REPR_SAFE and t is not _float and t is not _int else _normalised(x, 0)
    seqs, budget = [x], _LEVEL_BUDGET
    while True:
        budget -= _sum(_map(_len, seqs))
        if depth > _MAX_DEPTH or budget < 0:
            raise _NotTyped  # a cycle, or lists shared so often that the encoding would be vast
        items = _list(_chain(seqs))
        types = _set(_map(_type, items))
        if not types <= _REPR_SAFE:
            return _normalised(x, 0)
        if _float in types:
            floats = items if _len(types) == 1 else [y for y in items if _type(y) is _float]
            if _any(_map(_float_is_integer, floats)) or not _all(_map(_eq, floats, floats)):
                return _normalised(x, 0)  # 2.0 is written 2; NaN is refused
        if _int in types:
            ints = items if _len(types) == 1 else [y for y in items if _type(y) is _int]
            if _max(_map(_int_bit_length, ints)) > _HEX_BITS:
                return _normalised(x, 0)
        if types.isdisjoint(_SEQUENCE_TYPES):
            return x
        seqs = [y for y in items if _type(y) is _list or _type(y) is _tuple]
        depth += 1


def _normalised(x, depth):
    t = _type(x)
    if t is _str or x is None:
        return x
    if t is _int:
        return _int_form(x)
    if depth > _MAX_DEPTH:
        raise _NotTyped
    if t is _list:
        return [_normalised(y, depth + 1) for y in _list_iter(x)]
    if t is _tuple:
        return _tuple([_normalised(y, depth + 1) for y in _tuple_iter(x)])
    if t in _NUMBER_TYPES:
        n = _number(x, t)
        return _int_form(n) if _type(n) is _int else n
    raise _Other(_type_name(t))


def _stream(x, depth, feed):
    """Feeds `repr` of `x`'s canonical form to `feed`, a long list or tuple a chunk of items at a time."""
    t = _type(x)
    if (t is not _list and t is not _tuple) or _len(x) <= _CHUNK:
        feed(_repr_of(_canonical(x, depth)))
        return
    if depth > _MAX_DEPTH:
        raise _NotTyped
    feed("[" if t is _list else "(")  # over _CHUNK items, a tuple's repr has no trailing comma
    part_of = _list_slice if t is _list else _tuple_slice
    for start in _range(0, _len(x), _CHUNK):
        if start:
            feed(", ")
        part = part_of(x, _slice(start, start + _CHUNK))
        if not _any(_type(y) in _SEQUENCE_TYPES and _len(y) > _CHUNK for y in part):
            text = _repr_of(_canonical(_list(part), depth))
            feed(text[1:-1])
            continue
        for i in _range(_len(part)):  # an item long enough to stream on its own
            if i:
                feed(", ")
            _stream(part[i], depth + 1, feed)
    feed("]" if t is _list else ")")


def digest(value, expected=False):
    """{"sha256": hex, "bytes": n} of `value`'s canonical encoding (UTF-8), {"other": WHAT} when it is not
    digestible (see above), or None when it holds a cycle or would encode to something vast. An `expected`
    value (a capture's) that is a float or a list of floats has none either: EvalPlus compares those with a
    tolerance; a program's [1.0, 2.0] still equals an expected [1, 2], and has that digest."""
    t = _type(value)
    if expected and (
        t is _float or ((t is _list or t is _tuple) and _len(value) and _set(_map(_type, value)) == {_float})
    ):
        return {"other": "float" if t is _float else "list of floats"}  # EvalPlus's `is_floats`: atol
    h = _sha256()
    update = h.update
    size = [0]

    def feed(text):
        data = _str_encode(text, "utf-8", "surrogatepass")
        size[0] += _len(data)
        update(data)

    if _set_max_digits is not None:
        _set_max_digits(0)  # ints up to _HEX_BITS are written in decimal, whatever limit the program set
    try:
        _stream(value, 0, feed)
    except _Other as e:
        return {"other": e.args[0]}
    except (_NotTyped, RecursionError, ValueError):
        return None
    return {"sha256": h.hexdigest(), "bytes": size[0]}
