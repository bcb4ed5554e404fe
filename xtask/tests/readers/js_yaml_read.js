// Prints, as JSON, what js-yaml's load (its default schema, which resolves
// YAML 1.1 timestamps) reads from the file named by the only argument (for
// xtask/tests/readers.rs). js-yaml is found through NODE_PATH.
//
// A value JSON has no place for (a Date, a binary, a NaN) becomes
// {"$js": "<its type>", "value": "<its text>"}: JSON.stringify alone would
// write a Date as an ISO string, which can equal the text it came from.

const fs = require("fs");
const yaml = require("js-yaml");

function plain(value) {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return value;
  }
  if (typeof value === "number" && Number.isFinite(value)) {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map(plain);
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    // No prototype, so that a `__proto__` key is a key like any other.
    const out = Object.create(null);
    for (const key of Object.keys(value)) {
      out[key] = plain(value[key]);
    }
    return out;
  }
  const text = value instanceof Date ? value.toISOString() : String(value);
  return { $js: Object.prototype.toString.call(value), value: text };
}

process.stdout.write(JSON.stringify(plain(yaml.load(fs.readFileSync(process.argv[2], "utf8")))));
