package dev.platter.core.crypto;

import java.io.IOException;

/** No key slot opens with the passphrase given (cryptsetup's and qemu's "No key available with this passphrase"). */
public class WrongPassphraseException extends IOException {
    public WrongPassphraseException(String message) {
        super(message);
    }

    /** The same refusal naming the image, as qemu's "Could not open 'NAME': ..." does. */
    public WrongPassphraseException in(String imageName) {
        WrongPassphraseException e = new WrongPassphraseException("Could not open '" + imageName + "': "
                + getMessage());
        e.initCause(this);
        return e;
    }
}
