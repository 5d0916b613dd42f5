package dev.platter.cli.output;

import java.math.BigInteger;

/**
 * Sizes as the libguestfs tools print them with -h: gnulib's human_readable() with round-to-nearest, autoscale,
 * powers of 1024 and SI letters without "B" ("512", "1.5K", "4.0M", "22M", "1.0G"): below 10 one decimal is kept,
 * above it the amount is rounded to an integer (halves to even), and rounding up to 1024 moves to the next unit.
 */
public final class HumanSize {
    private static final String LETTERS = "KMGTPEZYRQ";
    private static final int BASE = 1024;

    private HumanSize() {
    }

    /** {@code n} units of {@code blockSize} bytes, in human form. */
    public static String of(long n, long blockSize) {
        BigInteger amount = BigInteger.valueOf(n).multiply(BigInteger.valueOf(blockSize));
        if (amount.bitLength() < 63) {
            return of(amount.longValue());
        }
        return ofBig(amount);
    }

    /** A byte count in human form. */
    public static String of(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
        long amt = bytes;
        int tenths = 0;
        int rounding = 0;
        int exponent = 0;
        StringBuilder frac = new StringBuilder();
        if (amt >= BASE) {
            do {
                int r10 = (int) (amt % BASE) * 10 + tenths;
                int r2 = (r10 % BASE) * 2 + (rounding >> 1);
                amt /= BASE;
                tenths = r10 / BASE;
                rounding = r2 < BASE ? (r2 + rounding != 0 ? 1 : 0) : 2 + (BASE < r2 + rounding ? 1 : 0);
                exponent++;
            } while (amt >= BASE && exponent < LETTERS.length());
            if (amt < 10) {
                if (2 < rounding + (tenths & 1)) {
                    tenths++;
                    rounding = 0;
                    if (tenths == 10) {
                        amt++;
                        tenths = 0;
                    }
                }
                if (amt < 10) {
                    frac.append('.').append(tenths);
                    tenths = 0;
                    rounding = 0;
                }
            }
        }
        if (5 < tenths + (0 < rounding + (amt & 1) ? 1 : 0)) {
            amt++;
            if (exponent > 0 && amt == BASE && exponent < LETTERS.length()) {
                exponent++;
                frac.setLength(0);
                frac.append(".0");
                amt = 1;
            }
        }
        return amt + frac.toString() + (exponent == 0 ? "" : String.valueOf(LETTERS.charAt(exponent - 1)));
    }

    private static String ofBig(BigInteger amount) {
        int exponent = 0;
        BigInteger base = BigInteger.valueOf(BASE);
        while (amount.bitLength() >= 63) {
            amount = amount.divide(base);
            exponent++;
        }
        String small = of(amount.longValue());
        char last = small.charAt(small.length() - 1);
        int e = Character.isLetter(last) ? LETTERS.indexOf(last) + 1 : 0;
        String digits = Character.isLetter(last) ? small.substring(0, small.length() - 1) : small;
        return digits + LETTERS.charAt(Math.min(LETTERS.length(), e + exponent) - 1);
    }
}
