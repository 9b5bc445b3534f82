package org.rmqtt.common.health;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;

/** The file descriptors this process may hold. */
public final class OpenFiles {
    private OpenFiles() {
    }

    /**
     * The open-files limit: the soft one, which the JVM raises to the hard one at start on Linux.
     * {@link Long#MAX_VALUE} where the platform does not tell.
     */
    public static long limit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : Long.MAX_VALUE;
    }
}
