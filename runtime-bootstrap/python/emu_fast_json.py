"""json.loads and json.dumps as the json module does them, straight from its C accelerator
(_json, which json itself uses): importing json costs re and enum, a third of a cold start.
Anything unusual (invalid text, a build without _json) goes to the json module itself, so its
results and its exact error messages are the ones a function gets."""

try:
    import _json
except ImportError:  # a Python built without the accelerator: the json module does it all
    _json = None

_WHITESPACE = " \t\n\r"


class _DecodeOptions(object):
    """What the C scanner reads from a json.JSONDecoder: the defaults of json.loads."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__
    memo = {}


_scan = _json.make_scanner(_DecodeOptions()) if _json is not None else None


def loads(data):
    if _scan is not None:
        try:
            text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else data
            start = len(text) - len(text.lstrip(_WHITESPACE))
            value, end = _scan(text, start)
            if not text[end:].strip(_WHITESPACE):
                return value
        except (StopIteration, UnicodeDecodeError, ValueError, TypeError, AttributeError):
            pass
    import json

    return json.loads(data)


def _not_serializable(value):
    raise TypeError("Object of type %s is not JSON serializable" % value.__class__.__name__)


def dumps(value, ensure_ascii):
    """json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=True)."""
    if _json is None:
        import json

        return json.dumps(value, ensure_ascii=ensure_ascii, allow_nan=True)
    escape = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    if isinstance(value, str):
        return escape(value)
    # markers {} is json's check_circular=True; then default, escape, indent, separators, sort_keys, skipkeys, allow_nan.
    encode = _json.make_encoder({}, _not_serializable, escape, None, ": ", ", ", False, False, True)
    return "".join(encode(value, 0))
