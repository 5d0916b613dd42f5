package dev.platter.format.luks;

import dev.platter.core.CorruptImageException;
import dev.platter.core.Extent;
import dev.platter.core.StorageDevice;
import dev.platter.core.crypto.DecryptedDevice;
import dev.platter.core.crypto.Secret;
import dev.platter.core.crypto.luks.Luks1;
import dev.platter.core.crypto.luks.Luks1Header;
import dev.platter.core.crypto.luks.LuksAmend;
import dev.platter.core.crypto.luks.LuksInfo;
import dev.platter.core.image.Image;
import dev.platter.core.image.ImageInfo;
import dev.platter.core.image.capability.Amendable;
import dev.platter.core.storage.Storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open raw LUKS image: the payload decrypted. Opened without its key (what {@code info} does) it describes the
 * header and refuses its data.
 */
final class LuksImage implements Image, Amendable {
    private final Storage storage;
    private final Luks1Header header;
    private final byte[] masterKey;
    private final boolean ownsStorage;
    private volatile DecryptedDevice device;

    private LuksImage(Storage storage, Luks1Header header, byte[] masterKey, boolean ownsStorage)
            throws IOException {
        this.storage = storage;
        this.header = header;
        this.masterKey = masterKey;
        this.ownsStorage = ownsStorage;
        if (masterKey != null) {
            this.device = newDevice();
        }
    }

    static LuksImage open(Storage storage, Secret key, boolean metadataOnly) throws IOException {
        Luks1Header h = Luks1.read(dev.platter.core.crypto.luks.LuksIo.of(storage), 0);
        long size = storage.size();
        if (h.payloadOffset() > size) {
            throw new CorruptImageException("LUKS header", 104, "payload offset " + h.payloadOffset()
                    + " lies past the end of the file (" + size + " bytes)");
        }
        if (key == null) {
            if (!metadataOnly) {
                throw new dev.platter.core.image.ImageOpenException(storage.name(), LuksFormat.KEY_REQUIRED, null);
            }
            return new LuksImage(storage, h, null, true);
        }
        Luks1.Unlocked u;
        try {
            u = Luks1.unlock(h, dev.platter.core.crypto.luks.LuksIo.of(storage), key, 0);
        } catch (dev.platter.core.crypto.WrongPassphraseException e) {
            throw e.in(storage.name());
        }
        return new LuksImage(storage, h, u.masterKey(), true);
    }

    /** For create: a header just written and its key (copied). */
    static LuksImage unlocked(Storage storage, Luks1Header h, byte[] masterKey, boolean ownsStorage)
            throws IOException {
        return new LuksImage(storage, h, masterKey.clone(), ownsStorage);
    }

    private DecryptedDevice newDevice() throws IOException {
        long payload = header.payloadOffset();
        long size = (storage.size() - payload) & ~511L;
        return new DecryptedDevice(new StorageDevice(storage, payload + size), payload, size,
                header.cipher().newCipher(masterKey, 512), 0, storage.isReadOnly());
    }

    private DecryptedDevice device() throws IOException {
        DecryptedDevice d = device;
        if (d == null) {
            throw new IOException(LuksFormat.KEY_REQUIRED);
        }
        return d;
    }

    @Override
    public String formatName() {
        return LuksFormat.NAME;
    }

    @Override
    public Storage storage() {
        return storage;
    }

    @Override
    public long size() {
        try {
            return device != null ? device.size() : (storage.size() - header.payloadOffset()) & ~511L;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public boolean isReadOnly() {
        return storage.isReadOnly();
    }

    @Override
    public void read(long pos, ByteBuffer dst) throws IOException {
        device().read(pos, dst);
    }

    @Override
    public void write(long pos, ByteBuffer src) throws IOException {
        device().write(pos, src);
    }

    @Override
    public void writeZeroes(long pos, long len) throws IOException {
        device().writeZeroes(pos, len);
    }

    @Override
    public void discard(long pos, long len) throws IOException {
        device().discard(pos, len);
    }

    @Override
    public void flush() throws IOException {
        storage.flush();
    }

    @Override
    public Extent mapping(long pos, long maxLen) throws IOException {
        return device().mapping(pos, maxLen);
    }

    @Override
    public String describe() {
        return "luks(" + storage.name() + ")";
    }

    @Override
    public <T> Optional<T> capability(Class<T> type) {
        return type == Amendable.class ? Optional.of(type.cast(this)) : Optional.empty();
    }

    @Override
    public ImageInfo info() throws IOException {
        long allocated = storage.allocatedBytes();
        Map<String, Object> data = LuksInfo.of(header);
        return new ImageInfo(storage.name(), LuksFormat.NAME, size(), null, allocated < 0 ? null : allocated, true,
                null, null, null, List.of(), LuksFormat.NAME, data, false);
    }

    @Override
    public void resize(long newSize, boolean allowShrink) throws IOException {
        if (storage.isReadOnly()) {
            throw new dev.platter.core.ReadOnlyDeviceException(storage.name());
        }
        if (newSize < size() && !allowShrink) {
            throw new IOException("Use the --shrink option to perform a shrink operation.");
        }
        storage.setSize(header.payloadOffset() + ((newSize + 511) & ~511L));
        if (masterKey != null) {
            DecryptedDevice old = device;
            device = newDevice();
            old.close();
        }
    }

    @Override
    public void amend(Map<String, String> options) throws IOException {
        amend(options, dev.platter.core.crypto.Secrets.none());
    }

    @Override
    public void amend(Map<String, String> options, dev.platter.core.crypto.Secrets secrets) throws IOException {
        if (masterKey == null) {
            throw new IOException(LuksFormat.KEY_REQUIRED);
        }
        LuksAmend.amend(header, dev.platter.core.crypto.luks.LuksIo.of(storage), masterKey, options, secrets, 0);
    }

    @Override
    public void close() throws IOException {
        Secret.wipe(masterKey);
        DecryptedDevice d = device;
        if (d != null) {
            d.close();
        }
        if (ownsStorage) {
            storage.close();
        }
    }
}
