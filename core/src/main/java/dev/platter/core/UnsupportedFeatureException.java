package dev.platter.core;

import java.io.IOException;

/** The input is valid but uses a feature Platter does not implement; names the feature. */
public class UnsupportedFeatureException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String feature;

    public UnsupportedFeatureException(String feature, String message) {
        super(message);
        this.feature = feature;
    }

    public UnsupportedFeatureException(String feature) {
        this(feature, "unsupported feature: " + feature);
    }

    /** The feature's name as the format's specification or tools call it. */
    public String feature() {
        return feature;
    }
}
