package dev.platter.core.crypto.luks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.platter.core.CorruptImageException;
import dev.platter.core.UnsupportedFeatureException;
import dev.platter.core.crypto.Argon2;
import dev.platter.core.crypto.Pbkdf2;
import dev.platter.core.crypto.UnsupportedCipherException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The LUKS2 JSON metadata: key slots, digests, segments and config (tokens are not used). Parsed with Jackson under
 * tight limits (the area is at most 4 MiB, nesting at most 32 levels, strings at most 1 MiB, duplicate names refused
 * so that no two readers can see different values), then checked as cryptsetup checks it and beyond: every number
 * in range, every area inside the key slot area and overlapping nothing, every reference resolved. 64-bit values are
 * decimal strings, as the specification stores them; salts and digests are base64.
 */
public final class Luks2Metadata {
    /** LUKS2's limits: 32 key slots and segments; key slot areas at most 128 MiB together. */
    public static final int MAX_KEYSLOTS = 32;
    public static final int MAX_SEGMENTS = 32;
    public static final int MAX_DIGESTS = 32;
    public static final long MAX_KEYSLOTS_SIZE = 128L << 20;
    /** Key sizes Platter takes (AES: 16 to 64 bytes, XTS's two halves included). */
    public static final int MIN_KEY_BYTES = 16;
    public static final int MAX_KEY_BYTES = 64;
    /** The only stripe count there is: cryptsetup merges 4000 stripes whatever the header says. */
    public static final int STRIPES = 4000;
    static final int SALT_BYTES = 32;

    private static final ObjectMapper JSON = mapper();

    /** PBKDF2 (hash, iterations) or Argon2 (time, memory in KiB, cpus) with a 32-byte salt. */
    public record Kdf(String type, String hash, long iterations, long time, long memoryKib, long cpus, byte[] salt) {
        public boolean isPbkdf2() {
            return type.equals("pbkdf2");
        }
    }

    /** The Argon2 variant a KDF type names ("argon2i", "argon2id"). */
    static Argon2.Type argon2Type(String type) {
        return type.equals("argon2i") ? Argon2.Type.ARGON2I : Argon2.Type.ARGON2ID;
    }

    /**
     * A "luks2" key slot: the volume key's size, its priority (0 ignore, 1 normal, 2 prefer), the AF splitter's hash
     * and stripes, the raw area (offset and size in bytes, its encryption and key size) and the KDF.
     */
    public record Keyslot(int id, int keySize, int priority, String afHash, int stripes, long areaOffset,
                          long areaSize, String areaEncryption, int areaKeySize, Kdf kdf) {
        /** Bytes of split key material: {@code keySize * stripes} rounded up to whole 512-byte sectors. */
        public long materialBytes() {
            return ((long) keySize * stripes + 511) / 512 * 512;
        }
    }

    /** A "pbkdf2" digest of the volume key, and the key slots and segments it covers. */
    public record Digest(int id, String hash, long iterations, byte[] salt, byte[] digest, List<Integer> keyslots,
                         List<Integer> segments) {
    }

    /**
     * A "crypt" segment: offset and size in bytes (size -1 for "dynamic", to the end of the device), the IV tweak in
     * 512-byte sectors, the cipher ("aes-xts-plain64") and the sector size.
     */
    public record Segment(int id, long offset, long size, long ivTweak, String encryption, int sectorSize) {
        public boolean dynamic() {
            return size < 0;
        }
    }

    final long jsonSize;
    final long keyslotsSize;
    final List<Keyslot> keyslots;
    final List<Digest> digests;
    final List<Segment> segments;

    private Luks2Metadata(long jsonSize, long keyslotsSize, List<Keyslot> keyslots, List<Digest> digests,
                          List<Segment> segments) {
        this.jsonSize = jsonSize;
        this.keyslotsSize = keyslotsSize;
        this.keyslots = List.copyOf(keyslots);
        this.digests = List.copyOf(digests);
        this.segments = List.copyOf(segments);
    }

    private static ObjectMapper mapper() {
        StreamReadConstraints limits = StreamReadConstraints.builder()
                .maxDocumentLength(Luks2BinaryHeader.MAX_HDR_SIZE)
                .maxNestingDepth(32)
                .maxStringLength(1 << 20)
                .maxNameLength(1 << 10)
                .maxNumberLength(32)
                .build();
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
    }

    /**
     * Parses the JSON area (the text up to its first NUL, then only NULs) of a header of {@code hdrSize} bytes whose
     * JSON area lies at {@code at}; the offset goes into messages.
     */
    public static Luks2Metadata parse(byte[] area, long at, long hdrSize) throws IOException {
        int len = 0;
        while (len < area.length && area[len] != 0) {
            len++;
        }
        if (len == area.length) {
            throw corrupt(at, "the JSON area has no terminating NUL");
        }
        for (int i = len; i < area.length; i++) {
            if (area[i] != 0) {
                throw corrupt(at + i, "byte 0x" + Integer.toHexString(area[i] & 0xFF) + " after the JSON text "
                        + "(the rest of the area must be zeros)");
            }
        }
        if (len == 0 || area[0] != '{' || area[len - 1] != '}') {
            throw corrupt(at, "the JSON area does not hold one JSON object");
        }
        JsonNode root;
        try {
            root = JSON.readTree(area, 0, len);
        } catch (JsonProcessingException e) {
            throw corrupt(at, "invalid JSON: " + oneLine(e.getOriginalMessage()));
        }
        return new Reader(at).read(root, hdrSize);
    }

    /** Interprets the tree, with the JSON area's offset for messages. */
    private static final class Reader {
        private final long at;

        Reader(long at) {
            this.at = at;
        }

        Luks2Metadata read(JsonNode root, long hdrSize) throws IOException {
            if (!root.isObject()) {
                throw corrupt(at, "the JSON metadata is not an object");
            }
            JsonNode config = object(root, "config", "metadata");
            object(root, "tokens", "metadata");
            JsonNode ks = object(root, "keyslots", "metadata");
            JsonNode dg = object(root, "digests", "metadata");
            JsonNode sg = object(root, "segments", "metadata");

            long jsonSize = uint64(config, "json_size", "config");
            long keyslotsSize = uint64(config, "keyslots_size", "config");
            if (jsonSize != hdrSize - Luks2BinaryHeader.SIZE) {
                throw corrupt(at, "config json_size " + jsonSize + " does not match the binary header's JSON area ("
                        + (hdrSize - Luks2BinaryHeader.SIZE) + " bytes)");
            }
            if (keyslotsSize % 4096 != 0 || keyslotsSize > MAX_KEYSLOTS_SIZE) {
                throw corrupt(at, "config keyslots_size " + keyslotsSize + " is not a multiple of 4096 up to "
                        + MAX_KEYSLOTS_SIZE);
            }
            JsonNode requirements = config.get("requirements");
            if (requirements != null) {
                JsonNode mandatory = requirements.get("mandatory");
                if (mandatory != null && mandatory.isArray() && !mandatory.isEmpty()) {
                    List<String> names = new ArrayList<>();
                    for (JsonNode m : mandatory) {
                        names.add(m.isTextual() ? printable(m.asText()) : "?");
                    }
                    throw new UnsupportedFeatureException("LUKS2 requirements", "LUKS2 volume requires "
                            + String.join(", ", names) + " (not supported)");
                }
            }

            long areasStart = 2 * hdrSize;
            long areasEnd = areasStart + keyslotsSize;
            List<Keyslot> keyslots = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : entries(ks, "keyslots", MAX_KEYSLOTS)) {
                keyslots.add(keyslot(id(e.getKey(), "keyslot", MAX_KEYSLOTS), e.getValue(), areasStart, areasEnd));
            }
            for (int i = 0; i < keyslots.size(); i++) {
                Keyslot a = keyslots.get(i);
                for (int j = 0; j < i; j++) {
                    Keyslot b = keyslots.get(j);
                    if (a.areaOffset < b.areaOffset + b.areaSize && b.areaOffset < a.areaOffset + a.areaSize) {
                        throw corrupt(at, "keyslot " + a.id + "'s area overlaps keyslot " + b.id + "'s");
                    }
                }
            }
            List<Segment> segments = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : entries(sg, "segments", MAX_SEGMENTS)) {
                segments.add(segment(id(e.getKey(), "segment", Integer.MAX_VALUE), e.getValue(), areasEnd));
            }
            if (segments.isEmpty()) {
                throw corrupt(at, "no segments");
            }
            List<Digest> digests = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : entries(dg, "digests", MAX_DIGESTS)) {
                digests.add(digest(id(e.getKey(), "digest", Integer.MAX_VALUE), e.getValue(), keyslots, segments));
            }
            for (Segment s : segments) {
                if (digests.stream().noneMatch(d -> d.segments.contains(s.id))) {
                    throw corrupt(at, "segment " + s.id + " has no digest");
                }
            }
            return new Luks2Metadata(jsonSize, keyslotsSize, keyslots, digests, segments);
        }

        private Keyslot keyslot(int id, JsonNode k, long areasStart, long areasEnd) throws IOException {
            String what = "keyslot " + id;
            if (!k.isObject()) {
                throw corrupt(at, what + " is not an object");
            }
            String type = string(k, "type", what);
            if (!type.equals("luks2")) {
                throw new UnsupportedFeatureException("LUKS2 keyslot type", what + " has type '" + printable(type)
                        + "', which is not supported (only luks2)");
            }
            int keySize = keySize(k, "key_size", what);
            int priority = 1;
            if (k.has("priority")) {
                priority = (int) integer(k, "priority", what, 0, Integer.MAX_VALUE);
            }

            JsonNode af = object(k, "af", what);
            String afType = string(af, "type", what + " af");
            if (!afType.equals("luks1")) {
                throw new UnsupportedFeatureException("LUKS2 af type", what + " has af type '" + printable(afType)
                        + "', which is not supported (only luks1)");
            }
            String afHash = string(af, "hash", what + " af");
            long stripes = integer(af, "stripes", what + " af", 0, Long.MAX_VALUE);
            if (stripes != STRIPES) {
                throw corrupt(at, what + " af stripes " + stripes + " is not " + STRIPES
                        + " (cryptsetup always merges " + STRIPES + ")");
            }

            JsonNode area = object(k, "area", what);
            String areaType = string(area, "type", what + " area");
            if (!areaType.equals("raw")) {
                throw new UnsupportedFeatureException("LUKS2 area type", what + " has area type '"
                        + printable(areaType) + "', which is not supported (only raw)");
            }
            String encryption = string(area, "encryption", what + " area");
            int areaKeySize = keySize(area, "key_size", what + " area");
            long offset = uint64(area, "offset", what + " area");
            long size = uint64(area, "size", what + " area");
            if (offset % 512 != 0 || size == 0 || offset < areasStart || size > areasEnd - offset
                    || offset > areasEnd) {
                throw corrupt(at, what + " area " + offset + "+" + size + " is not inside the key slot area ("
                        + areasStart + ".." + areasEnd + ", after both headers) or not sector-aligned");
            }
            long material = ((long) keySize * stripes + 511) / 512 * 512;
            if (material > size) {
                throw corrupt(at, what + " key material (" + keySize + " bytes x " + stripes + " stripes) does not "
                        + "fit its " + size + "-byte area");
            }
            Kdf kdf = kdf(object(k, "kdf", what), what);
            return new Keyslot(id, keySize, priority, afHash, (int) stripes, offset, size, encryption, areaKeySize,
                    kdf);
        }

        private Kdf kdf(JsonNode kdf, String slot) throws IOException {
            String what = slot + " kdf";
            String type = string(kdf, "type", what);
            byte[] salt = base64(kdf, "salt", what);
            if (salt.length != SALT_BYTES) {
                throw corrupt(at, what + " salt is " + salt.length + " bytes, not " + SALT_BYTES);
            }
            switch (type) {
                case "pbkdf2" -> {
                    String hash = string(kdf, "hash", what);
                    long iterations = integer(kdf, "iterations", what, 1, Long.MAX_VALUE);
                    checkIterations(iterations, what);
                    return new Kdf(type, hash, iterations, 0, 0, 0, salt);
                }
                case "argon2i", "argon2id" -> {
                    long time = integer(kdf, "time", what, 1, Long.MAX_VALUE);
                    long memory = integer(kdf, "memory", what, 1, Long.MAX_VALUE);
                    long cpus = integer(kdf, "cpus", what, 1, Long.MAX_VALUE);
                    try {
                        Argon2.checkCosts(argon2Type(type), time, memory, cpus);
                    } catch (IllegalArgumentException e) {
                        throw corrupt(at, slot + " " + e.getMessage());
                    }
                    return new Kdf(type, null, 0, time, memory, cpus, salt);
                }
                default -> throw new UnsupportedCipherException(slot + " key derivation '" + printable(type)
                        + "' is not supported (pbkdf2, argon2i, argon2id)");
            }
        }

        private Segment segment(int id, JsonNode s, long areasEnd) throws IOException {
            String what = "segment " + id;
            if (!s.isObject()) {
                throw corrupt(at, what + " is not an object");
            }
            String type = string(s, "type", what);
            if (!type.equals("crypt")) {
                throw new UnsupportedFeatureException("LUKS2 segment type", what + " has type '" + printable(type)
                        + "', which is not supported (only crypt)");
            }
            if (s.has("integrity")) {
                throw new UnsupportedFeatureException("LUKS2 integrity", what + " is integrity-protected "
                        + "(dm-integrity), which is not supported");
            }
            long offset = uint64(s, "offset", what);
            JsonNode sizeNode = s.get("size");
            long size;
            if (sizeNode != null && sizeNode.isTextual() && sizeNode.asText().equals("dynamic")) {
                size = -1;
            } else {
                size = uint64(s, "size", what);
                if (size == 0) {
                    throw corrupt(at, what + " size is 0");
                }
            }
            long ivTweak = uint64(s, "iv_tweak", what);
            String encryption = string(s, "encryption", what);
            long sectorSize = integer(s, "sector_size", what, 0, Long.MAX_VALUE);
            if (sectorSize < 512 || sectorSize > 4096 || Long.bitCount(sectorSize) != 1) {
                throw corrupt(at, what + " sector_size " + sectorSize + " is not 512, 1024, 2048 or 4096");
            }
            if (offset % 512 != 0) {
                throw corrupt(at, what + " offset " + offset + " is not a multiple of 512");
            }
            if (size > 0 && size % sectorSize != 0) {
                throw corrupt(at, what + " size " + size + " is not a multiple of its sector size " + sectorSize);
            }
            if (offset == 0) {
                throw new UnsupportedFeatureException("LUKS2 detached header", what + " starts at offset 0: a "
                        + "detached header, which is not supported");
            }
            if (offset < areasEnd) {
                throw corrupt(at, what + " offset " + offset + " lies inside the header and key slot areas (which "
                        + "end at " + areasEnd + ")");
            }
            if (size > 0 && size > Long.MAX_VALUE - offset) {
                throw corrupt(at, what + " " + offset + "+" + size + " overflows");
            }
            return new Segment(id, offset, size, ivTweak, encryption, (int) sectorSize);
        }

        private Digest digest(int id, JsonNode d, List<Keyslot> keyslots, List<Segment> segments)
                throws IOException {
            String what = "digest " + id;
            if (!d.isObject()) {
                throw corrupt(at, what + " is not an object");
            }
            String type = string(d, "type", what);
            if (!type.equals("pbkdf2")) {
                throw new UnsupportedFeatureException("LUKS2 digest type", what + " has type '" + printable(type)
                        + "', which is not supported (only pbkdf2)");
            }
            List<Integer> ks = references(d, "keyslots", what, keyslots.stream().map(Keyslot::id).toList());
            List<Integer> ss = references(d, "segments", what, segments.stream().map(Segment::id).toList());
            String hash = string(d, "hash", what);
            long iterations = integer(d, "iterations", what, 1, Long.MAX_VALUE);
            checkIterations(iterations, what);
            byte[] salt = base64(d, "salt", what);
            if (salt.length != SALT_BYTES) {
                throw corrupt(at, what + " salt is " + salt.length + " bytes, not " + SALT_BYTES);
            }
            byte[] digest = base64(d, "digest", what);
            if (digest.length < 20 || digest.length > 64) {
                throw corrupt(at, what + " is " + digest.length + " bytes, not 20..64");
            }
            return new Digest(id, hash, iterations, salt, digest, ks, ss);
        }

        private List<Integer> references(JsonNode d, String name, String what, List<Integer> known)
                throws CorruptImageException {
            JsonNode arr = d.get(name);
            if (arr == null || !arr.isArray()) {
                throw corrupt(at, what + " has no " + name + " array");
            }
            List<Integer> out = new ArrayList<>();
            for (JsonNode n : arr) {
                if (!n.isTextual()) {
                    throw corrupt(at, what + " " + name + " holds a non-string");
                }
                int ref = id(n.asText(), what + " " + name + " entry", Integer.MAX_VALUE);
                if (!known.contains(ref)) {
                    throw corrupt(at, what + " names " + name.substring(0, name.length() - 1) + " " + ref
                            + ", which does not exist");
                }
                if (!out.contains(ref)) {
                    out.add(ref);
                }
            }
            return out;
        }

        private void checkIterations(long iterations, String what) throws CorruptImageException {
            if (iterations > Pbkdf2.MAX_ITERATIONS) {
                throw corrupt(at, what + " asks for " + iterations + " PBKDF2 iterations, more than the "
                        + Pbkdf2.MAX_ITERATIONS + " Platter runs");
            }
        }

        private int keySize(JsonNode n, String name, String what) throws CorruptImageException {
            long v = integer(n, name, what, 0, Long.MAX_VALUE);
            if (v < MIN_KEY_BYTES || v > MAX_KEY_BYTES) {
                throw corrupt(at, what + " " + name + " " + v + " is outside " + MIN_KEY_BYTES + ".." + MAX_KEY_BYTES
                        + " bytes");
            }
            return (int) v;
        }

        private Iterable<Map.Entry<String, JsonNode>> entries(JsonNode section, String name, int max)
                throws CorruptImageException {
            if (section.size() > max) {
                throw corrupt(at, name + " has " + section.size() + " entries, more than LUKS2's " + max);
            }
            List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
                out.add(it.next());
            }
            return out;
        }

        /** A section key or reference: decimal digits, below {@code limit}. */
        private int id(String key, String what, int limit) throws CorruptImageException {
            if (key.isEmpty() || key.length() > 9 || !key.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw corrupt(at, what + " id '" + printable(key) + "' is not a number");
            }
            int v = Integer.parseInt(key);
            if (v >= limit) {
                throw corrupt(at, what + " id " + v + " is not below " + limit);
            }
            return v;
        }

        private JsonNode object(JsonNode parent, String name, String what) throws CorruptImageException {
            JsonNode n = parent.get(name);
            if (n == null || !n.isObject()) {
                throw corrupt(at, what + " has no " + name + " object");
            }
            return n;
        }

        private String string(JsonNode parent, String name, String what) throws CorruptImageException {
            JsonNode n = parent.get(name);
            if (n == null || !n.isTextual()) {
                throw corrupt(at, what + " has no " + name + " string");
            }
            return n.asText();
        }

        /** A JSON integer (not a string) within {@code min..max}. */
        private long integer(JsonNode parent, String name, String what, long min, long max)
                throws CorruptImageException {
            JsonNode n = parent.get(name);
            if (n == null || !n.isIntegralNumber()) {
                throw corrupt(at, what + " has no integer " + name);
            }
            if (!n.canConvertToLong() || n.asLong() > max) {
                throw corrupt(at, what + " " + name + " " + printable(n.asText()) + " is above " + max);
            }
            if (n.asLong() < min) {
                throw corrupt(at, what + " " + name + " " + n.asLong() + " is below " + min);
            }
            return n.asLong();
        }

        /** A 64-bit value stored as a decimal string, as LUKS2 stores offsets and sizes. */
        private long uint64(JsonNode parent, String name, String what) throws CorruptImageException {
            JsonNode n = parent.get(name);
            if (n == null || !n.isTextual()) {
                throw corrupt(at, what + " has no " + name + " (a decimal string)");
            }
            String s = n.asText();
            if (s.isEmpty() || s.length() > 20 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw corrupt(at, what + " " + name + " '" + printable(s) + "' is not a decimal number");
            }
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw corrupt(at, what + " " + name + " " + s + " is too large");
            }
        }

        private byte[] base64(JsonNode parent, String name, String what) throws CorruptImageException {
            String s = string(parent, name, what);
            try {
                return Base64.getDecoder().decode(s);
            } catch (IllegalArgumentException e) {
                throw corrupt(at, what + " " + name + " is not base64");
            }
        }
    }

    public List<Keyslot> keyslots() {
        return keyslots;
    }

    public List<Digest> digests() {
        return digests;
    }

    public List<Segment> segments() {
        return segments;
    }

    public long jsonSize() {
        return jsonSize;
    }

    public long keyslotsSize() {
        return keyslotsSize;
    }

    /** The segment with id {@code id}, or null. */
    public Segment segment(int id) {
        return segments.stream().filter(s -> s.id == id).findFirst().orElse(null);
    }

    /** The first digest covering segment {@code id} (cryptsetup's LUKS2_digest_by_segment), or null. */
    public Digest digestForSegment(int id) {
        return digests.stream().filter(d -> d.segments.contains(id)).findFirst().orElse(null);
    }

    /** The first digest covering key slot {@code id} (cryptsetup's LUKS2_digest_by_keyslot), or null. */
    public Digest digestForKeyslot(int id) {
        return digests.stream().filter(d -> d.keyslots.contains(id)).findFirst().orElse(null);
    }

    /** At most 60 printable ASCII characters of a header's string, for messages. */
    static String printable(String s) {
        return printable(s, 60);
    }

    private static String printable(String s, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return s.length() > max ? b + "..." : b.toString();
    }

    /** Jackson's message on one line, without its pointers into the source (which Platter does not keep). */
    private static String oneLine(String s) {
        String m = s == null ? "" : s.replaceAll("\\s+", " ");
        for (String cut : new String[] {" (start marker at", " at [Source"}) {
            int i = m.indexOf(cut);
            if (i >= 0) {
                m = m.substring(0, i);
            }
        }
        return printable(m, 160);
    }

    static CorruptImageException corrupt(long at, String why) {
        return new CorruptImageException("LUKS2 JSON metadata", at, why);
    }
}
