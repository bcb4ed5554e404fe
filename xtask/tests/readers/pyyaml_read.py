"""Prints, as JSON, what PyYAML's safe_load reads from the file named by
the only argument (for xtask/tests/readers.rs).

A value JSON has no place for (a date, a timestamp, bytes, a NaN) becomes
{"$python": "<its type>", "value": "<its text>"}, and a map key that is not
a string "$python <its type>: <its text>", so that a scalar PyYAML types
differently from serde never reads as the original string.
"""

import json
import math
import sys

import yaml


def plain(value):
    if isinstance(value, dict):
        return {
            key if isinstance(key, str) else f"$python {type(key).__name__}: {key}": plain(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [plain(item) for item in value]
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return {"$python": type(value).__name__, "value": str(value)}


with open(sys.argv[1], encoding="utf-8") as file:
    print(json.dumps(plain(yaml.safe_load(file))))
