package dev.platter.libvirt;

/** A domain's state as {@code virsh domstate} names it. */
public enum DomainState {
    RUNNING("running"), IDLE("idle"), PAUSED("paused"), IN_SHUTDOWN("in shutdown"), SHUT_OFF("shut off"),
    CRASHED("crashed"), PM_SUSPENDED("pmsuspended"), NO_STATE("no state");

    private final String text;

    DomainState(String text) {
        this.text = text;
    }

    public static DomainState parse(String s) {
        String t = s.trim();
        for (DomainState d : values()) {
            if (d.text.equals(t)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown domain state '" + t + "'");
    }

    /** Whether a QEMU process may hold the disks open: only a shut-off or crashed domain surely does not. */
    public boolean isActive() {
        return this != SHUT_OFF && this != CRASHED;
    }

    @Override
    public String toString() {
        return text;
    }
}
