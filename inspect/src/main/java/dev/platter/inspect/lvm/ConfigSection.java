package dev.platter.inspect.lvm;

import dev.platter.core.CorruptImageException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A section of the lvm2 config syntax: named values and subsections, in their written order. */
public final class ConfigSection {
    private final String name;
    private final Map<String, ConfigValue> values = new LinkedHashMap<>();
    private final Map<String, ConfigSection> sections = new LinkedHashMap<>();

    ConfigSection(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    void put(String key, ConfigValue value, int line) throws CorruptImageException {
        if (values.containsKey(key) || sections.containsKey(key)) {
            throw duplicate(key, line);
        }
        values.put(key, value);
    }

    void put(ConfigSection section, int line) throws CorruptImageException {
        if (values.containsKey(section.name) || sections.containsKey(section.name)) {
            throw duplicate(section.name, line);
        }
        sections.put(section.name, section);
    }

    private CorruptImageException duplicate(String key, int line) {
        return new CorruptImageException("LVM2 metadata text", -1, "line " + line + ": '" + key
                + "' appears twice in section '" + name + "'");
    }

    public ConfigValue value(String key) {
        return values.get(key);
    }

    public ConfigSection section(String key) {
        return sections.get(key);
    }

    /** The subsections, in order. */
    public List<ConfigSection> sections() {
        return Collections.unmodifiableList(new ArrayList<>(sections.values()));
    }

    public Map<String, ConfigValue> values() {
        return Collections.unmodifiableMap(values);
    }

    /** A string value, or null when absent or not a string. */
    public String string(String key) {
        return values.get(key) instanceof ConfigValue.Str s ? s.value() : null;
    }

    /** An integer value, or {@code dflt} when absent. */
    public long integer(String key, long dflt) throws CorruptImageException {
        ConfigValue v = values.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof ConfigValue.Int i) {
            return i.value();
        }
        throw new CorruptImageException("LVM2 metadata text", -1, "'" + key + "' in section '" + name
                + "' is not an integer");
    }

    /** The strings of a list value ("status", "flags"); empty when absent. */
    public List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        if (values.get(key) instanceof ConfigValue.Array a) {
            for (ConfigValue v : a.values()) {
                if (v instanceof ConfigValue.Str s) {
                    out.add(s.value());
                }
            }
        }
        return out;
    }
}
