#!/usr/bin/env python3
"""Validates `jauge bank export --format json` documents against docs/item-bank.schema.json with
the reference validator `jsonschema` (Draft 2020-12). Usage:

    cargo build && for d in tests/bank-examples tests/bank-fixtures/calibration-unknown-item \
        /path/to/item-bank; do target/debug/jauge bank export "$d" > /tmp/$(basename $d).json; done
    python3 tests/reference/validate_export_schema.py /tmp/*.json

Prints, per document, the number of items and of schema violations (expected: 0)."""
import json
import sys
from pathlib import Path

import jsonschema

schema = json.loads((Path(__file__).parents[2] / "docs" / "item-bank.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
status = 0
for path in sys.argv[1:]:
    doc = json.loads(Path(path).read_text())
    errors = list(validator.iter_errors(doc))
    types = sorted({item["type"] for item in doc["items"]})
    sources = sorted({item["parameters"]["source"] for item in doc["items"]})
    print(f"{Path(path).name}: {len(doc['items'])} items, types {types}, sources {sources}, "
          f"{len(errors)} violations")
    for e in errors[:10]:
        print("  ", list(e.absolute_path), e.message[:200])
    status |= bool(errors)
sys.exit(status)
