/**
 * Tests of the built distribution: the tarball and the unpacked directory, run through their
 * bin/ scripts as separate processes (failsafe, after {@code package}).
 */
package org.rmqtt.distribution;
