// Prints, as JSON, what SnakeYAML reads from the YAML file named by the
// only argument. Used by xtask/tests/readers.rs, run as a single-file
// source program:
//
//   java -cp /usr/share/java/snakeyaml.jar xtask/tests/readers/SnakeRead.java FILE
//
// The file is loaded with SnakeYAML's default `new Yaml().load(...)`, the
// YAML 1.1 resolvers swagger-parser and openapi-generator see: `2025-03-03`
// becomes a java.util.Date, `yes` a Boolean, `010` the Integer 8.
//
// JSON has no place for a Date, a byte[] or a NaN, so any value that is not
// a map, list, string, integer, finite double, boolean or null is written
// as {"$java": "<its class>", "value": "<its text>"}, and a map key that is
// not a string as "$java <its class>: <its text>". Neither can ever equal
// what another reader makes of the same text, so a scalar SnakeYAML types
// differently fails the comparison instead of slipping through.

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

public class SnakeRead {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: SnakeRead FILE");
            System.exit(2);
        }
        Object doc;
        try (InputStream in = Files.newInputStream(Paths.get(args[0]))) {
            doc = new Yaml().load(in);
        }
        StringBuilder out = new StringBuilder();
        value(out, doc);
        Writer stdout = new OutputStreamWriter(System.out, StandardCharsets.UTF_8);
        stdout.write(out.toString());
        stdout.flush();
    }

    static void value(StringBuilder out, Object v) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof String) {
            string(out, (String) v);
        } else if (v instanceof Boolean) {
            out.append(v.toString());
        } else if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
            // Decimal digits, as serde_json writes and reads an integer.
            out.append(v.toString());
        } else if (v instanceof Double && Double.isFinite((Double) v)) {
            // Double.toString gives the shortest text that reads back to
            // the same double ("0.5", "1.0E20"), which is valid JSON and
            // which serde_json reads to the same f64.
            out.append(v.toString());
        } else if (v instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                Object key = e.getKey();
                if (key instanceof String) {
                    string(out, (String) key);
                } else {
                    string(out, "$java " + className(key) + ": " + text(key));
                }
                out.append(':');
                value(out, e.getValue());
            }
            out.append('}');
        } else if (v instanceof List) {
            out.append('[');
            boolean first = true;
            for (Object item : (List<?>) v) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                value(out, item);
            }
            out.append(']');
        } else {
            out.append("{\"$java\":");
            string(out, className(v));
            out.append(",\"value\":");
            string(out, text(v));
            out.append('}');
        }
    }

    static String className(Object v) {
        return v == null ? "null" : v.getClass().getName();
    }

    static String text(Object v) {
        if (v instanceof Date) {
            return ((Date) v).toInstant().toString();
        }
        if (v instanceof byte[]) {
            return Arrays.toString((byte[]) v);
        }
        return String.valueOf(v);
    }

    static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        // Other characters as they are (a pair of surrogates
                        // becomes one UTF-8 character on output).
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
