"""Values that cross the sandbox boundary, judged without running the program's code.

`plain_json` serialises a return value only when it is built from plain JSON-like values (int of any
size, float, bool, str, None, list, tuple, dict); anything else is a wrong answer (issue 3).
`trusted` decides whether comparing a value can run code the program wrote: the assert rewriting
(asserts.py) refuses to compare a trusted value with an untrusted one, which defeats an object whose
`__eq__` always answers True.

Every builtin used after the program has run is bound here at import time, so a program that patches
`builtins` or `json` cannot change what this module does.
"""
import collections
import decimal
import fractions
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
_ALLOWED = _frozenset({collections.Counter, collections.OrderedDict, collections.defaultdict, collections.deque,
                       fractions.Fraction, decimal.Decimal})
_SEQUENCES = ((list, list.__iter__), (tuple, tuple.__iter__), (set, set.__iter__),
              (frozenset, frozenset.__iter__), (collections.deque, collections.deque.__iter__))

# Read class internals through `type`'s own descriptors: a metaclass cannot shadow these.
_mro_of = type.__dict__["__mro__"].__get__
_dict_of = type.__dict__["__dict__"].__get__
_flags_of = type.__dict__["__flags__"].__get__
_HEAPTYPE = 1 << 9
_IMMUTABLE = 1 << 8 if sys.version_info >= (3, 10) else 0

_class_cache = {}
_UNTRUSTED = 0
_LEAF = 1
_DICT = 2


def _frozen(cls):
    """A class implemented in C (static or immutable): the program cannot have written or changed it."""
    flags = _flags_of(cls)
    return not flags & _HEAPTYPE or bool(flags & _IMMUTABLE)


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
        if kind is _LEAF:
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
    """True when `value` is made only of exact plain JSON-like types, without cycles."""
    stack = [(value, 0)]
    while stack:
        x, depth = stack.pop()
        t = _type(x)
        if t in _SCALARS:
            continue
        budget -= 1
        if budget < 0 or depth > 200:
            return False
        if t is list or t is tuple:
            if not _set(_map(_type, x)) <= _SCALARS:
                stack.extend((item, depth + 1) for item in x)
            budget -= _len(x)
        elif t is dict:
            for k, v in _dict_items(x):
                if _type(k) not in _KEYS:
                    return False
                stack.append((v, depth + 1))
            budget -= _len(x)
        else:
            return False
    return True


def _refuse(o):
    raise TypeError("not plain")


if _make_encoder is not None:
    # markers={} makes the encoder reject cycles; allow_nan emits NaN/Infinity, which Node parses.
    _encode = _make_encoder({}, _refuse, _encode_str, None, ":", ",", False, False, True)
else:
    _encode = None


def plain_json(value):
    """JSON text for a plain value (ints exact, NaN/Infinity allowed), or None when it is not plain."""
    if not _plain(value):
        return None
    if _set_max_digits is not None:
        _set_max_digits(0)  # exact big ints; their size is bounded by the result cap
    try:
        if _encode is None:
            return _py_dumps(value)
        return "".join(_encode(value, 0))
    except (TypeError, ValueError, RecursionError):
        return None


def _untag(value):
    """Python values for the tagged JSON forms Node uses for what JSON cannot say (see exactJson.ts)."""
    if _len(value) == 1:
        if "$bigint" in value:
            return _int(value["$bigint"])
        if "$float" in value:
            return _float(value["$float"])
        if "$tuple" in value:
            return _tuple(value["$tuple"])
        if "$set" in value:
            return _set(value["$set"])
    return value


object_hook = _untag
