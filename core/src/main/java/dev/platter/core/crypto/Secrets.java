package dev.platter.core.crypto;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Secrets by id, as qemu's {@code --object secret,id=ID,...} defines them: options such as
 * {@code encrypt.key-secret=ID} name a secret here instead of carrying the passphrase.
 */
public final class Secrets implements AutoCloseable {
    private final Map<String, Secret> byId = new LinkedHashMap<>();

    public static Secrets none() {
        return new Secrets();
    }

    /** Adds a secret; a second secret with the same id is refused, as qemu refuses a duplicate object id. */
    public synchronized Secrets add(String id, Secret secret) {
        if (byId.containsKey(id)) {
            throw new IllegalArgumentException("attempt to add duplicate property '" + id
                    + "' to object (type 'container')");
        }
        byId.put(id, secret);
        return this;
    }

    /** The secret {@code id}, or qemu's "No secret with id 'ID'" when there is none. */
    public synchronized Secret get(String id) {
        Secret s = byId.get(id);
        if (s == null) {
            throw new IllegalArgumentException("No secret with id '" + id + "'");
        }
        return s;
    }

    public synchronized boolean has(String id) {
        return byId.containsKey(id);
    }

    @Override
    public synchronized void close() {
        byId.values().forEach(Secret::close);
        byId.clear();
    }

    @Override
    public String toString() {
        return "Secrets" + byId.keySet();
    }
}
