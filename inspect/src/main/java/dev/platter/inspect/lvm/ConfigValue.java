package dev.platter.inspect.lvm;

import java.util.List;

/** A value of the lvm2 config syntax (metadata text, lvm.conf): a string, a number or a list of values. */
public sealed interface ConfigValue {

    /** A quoted or bare string, unescaped. */
    record Str(String value) implements ConfigValue {
    }

    /** A 64-bit integer. */
    record Int(long value) implements ConfigValue {
    }

    /** A floating-point number (rare; never in VG metadata). */
    record Real(double value) implements ConfigValue {
    }

    /** A list; its elements may mix strings and numbers. */
    record Array(List<ConfigValue> values) implements ConfigValue {
        public Array {
            values = List.copyOf(values);
        }
    }
}
