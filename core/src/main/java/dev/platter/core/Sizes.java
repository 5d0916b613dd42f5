package dev.platter.core;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Locale;

/** Byte sizes as qemu-img reads and prints them. */
public final class Sizes {
    private static final String UNITS = "BKMGTPE";
    private static final String[] HUMAN_UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Sizes() {
    }

    /**
     * Parses a size the way qemu-img does: optional leading blanks and '+', a decimal or 0x-hex number,
     * an optional fraction (only with a suffix), an optional suffix b/k/M/G/T/P/E in either case (powers of 1024).
     *
     * @throws IllegalArgumentException with qemu-img's message when the text is not a size or out of range
     */
    public static long parse(String text) {
        String s = text.stripLeading();
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        long multiplier = 1;
        boolean suffix = false;
        if (!s.isEmpty()) {
            char last = Character.toUpperCase(s.charAt(s.length() - 1));
            int unit = UNITS.indexOf(last);
            boolean isHexDigitSuffix = s.toLowerCase(Locale.ROOT).startsWith("0x") && (last == 'B' || last == 'E');
            if (unit >= 0 && !isHexDigitSuffix) {
                multiplier = 1L << (10 * unit);
                suffix = unit > 0;
                s = s.substring(0, s.length() - 1);
            }
        }
        BigDecimal value;
        try {
            if (s.toLowerCase(Locale.ROOT).startsWith("0x")) {
                String hex = s.substring(2);
                if (hex.isEmpty() || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw invalidSize();
                }
                value = new BigDecimal(new BigInteger(hex, 16));
            } else {
                int dot = s.indexOf('.');
                String whole = dot < 0 ? s : s.substring(0, dot);
                String frac = dot < 0 ? "" : s.substring(dot + 1);
                if (whole.isEmpty() || !whole.chars().allMatch(Character::isDigit)
                        || !frac.chars().allMatch(Character::isDigit) || (dot >= 0 && !suffix)) {
                    throw invalidSize();
                }
                value = new BigDecimal(whole + (frac.isEmpty() ? "" : "." + frac));
            }
        } catch (NumberFormatException e) {
            throw invalidSize();
        }
        BigInteger bytes = value.multiply(BigDecimal.valueOf(multiplier)).setScale(0, RoundingMode.HALF_UP)
                .toBigIntegerExact();
        if (bytes.bitLength() > 63) {
            throw new IllegalArgumentException("Invalid image size specified. Must be between 0 and "
                    + Long.MAX_VALUE + ".");
        }
        return bytes.longValue();
    }

    private static IllegalArgumentException invalidSize() {
        return new IllegalArgumentException("Invalid image size specified. You may use k, M, G, T, P or E "
                + "suffixes for kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
    }

    /**
     * Formats a size as qemu-img's human output does: three significant digits ({@code %.3g}) and a binary unit,
     * moving to the next unit once the value reaches 1000 of the smaller one.
     */
    public static String human(long bytes) {
        double x = bytes * 1024.0 / 1000.0;
        int exponent = x == 0 ? 0 : Math.getExponent(x) + 1; // frexp's exponent: x = m * 2^e, 0.5 <= m < 1
        int unit = Math.max(0, Math.min(HUMAN_UNITS.length - 1, (exponent - 1) / 10));
        double value = bytes / Math.pow(1024, unit);
        return formatG3(value) + " " + HUMAN_UNITS[unit];
    }

    /** C's {@code printf("%.3g")}: 3 significant digits, trailing zeros dropped, exponent form at 1e3 and up. */
    static String formatG3(double value) {
        if (value == 0) {
            return "0";
        }
        BigDecimal rounded = new BigDecimal(value).round(new java.math.MathContext(3, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 3) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            String m = mantissa.scale() <= 0 ? mantissa.toBigInteger().toString() : mantissa.toPlainString();
            return m + "e" + (exponent < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exponent));
        }
        BigDecimal plain = rounded.stripTrailingZeros();
        return plain.scale() <= 0 ? plain.toBigInteger().toString() : plain.toPlainString();
    }
}
