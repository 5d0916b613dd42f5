package dev.platter.libvirt;

import java.util.List;

/**
 * Where a libvirt disk's bytes come from, as its {@code <source>} says: a host file, a host block device, a network
 * export (nbd, rbd, iscsi, http ...) or a storage-pool volume.
 *
 * @param kind     the disk's {@code type} attribute
 * @param path     the file or device path ({@code FILE}, {@code BLOCK}), else null
 * @param protocol the network protocol ({@code NETWORK}), else null
 * @param name     the export, image or volume name on the server ({@code NETWORK}), else null
 * @param hosts    the servers, each {@code host} or {@code host:port} ({@code NETWORK}), else empty
 * @param pool     the storage pool ({@code VOLUME}), else null
 * @param volume   the volume in it ({@code VOLUME}), else null
 */
public record DiskSource(Kind kind, String path, String protocol, String name, List<String> hosts, String pool,
                         String volume) {

    /** libvirt's disk types Platter reads; any other is kept as {@code OTHER} and never opened. */
    public enum Kind {
        FILE("file"), BLOCK("block"), NETWORK("network"), VOLUME("volume"), OTHER(null);

        final String xmlName;

        Kind(String xmlName) {
            this.xmlName = xmlName;
        }

        static Kind of(String type) {
            for (Kind k : values()) {
                if (k.xmlName != null && k.xmlName.equals(type)) {
                    return k;
                }
            }
            return OTHER;
        }
    }

    public DiskSource {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
    }

    public static DiskSource file(String path) {
        return new DiskSource(Kind.FILE, path, null, null, List.of(), null, null);
    }

    public static DiskSource block(String device) {
        return new DiskSource(Kind.BLOCK, device, null, null, List.of(), null, null);
    }

    public static DiskSource network(String protocol, String name, List<String> hosts) {
        return new DiskSource(Kind.NETWORK, null, protocol, name, hosts, null, null);
    }

    public static DiskSource volume(String pool, String volume) {
        return new DiskSource(Kind.VOLUME, null, null, null, List.of(), pool, volume);
    }

    /** True for a file or block device Platter can open on this host. */
    public boolean isLocal() {
        return kind == Kind.FILE || kind == Kind.BLOCK;
    }

    /** A one-line description for messages: the path, {@code protocol://host/name} or {@code pool/volume}. */
    public String describe() {
        return switch (kind) {
            case FILE, BLOCK -> path;
            case NETWORK -> protocol + "://" + (hosts.isEmpty() ? "" : hosts.get(0)) + "/" + (name == null ? "" : name);
            case VOLUME -> pool + "/" + volume;
            case OTHER -> "(unsupported source)";
        };
    }
}
