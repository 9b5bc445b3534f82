package org.rmqtt.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.apache.rocketmq.store.ha.HAService;
import org.junit.jupiter.api.Test;

/**
 * The embedded broker does not replicate: nothing listens for slaves, on any interface, and HA's
 * threads do not run; every port of the broker and name server is on the loopback interface.
 */
class ReplicationOffIT {

    @Test
    void theBrokerListensOnLoopbackOnlyAndNotForSlaves() throws Exception {
        assumeThat(ListeningSockets.available()).as("needs Linux's /proc").isTrue();
        EmbeddedRocketMq rocketMq = SharedRocketMq.get();
        HAService ha = rocketMq.broker().getMessageStore().getHaService();
        int haPort = rocketMq.broker().getMessageStoreConfig().getHaListenPort();

        List<InetSocketAddress> listening = ListeningSockets.of(ProcessHandle.current().pid());

        assertThat(listening).extracting(InetSocketAddress::getPort)
                .contains(rocketMq.broker().getNettyServerConfig().getListenPort(),
                        Integer.parseInt(rocketMq.namesrvAddress().substring(rocketMq.namesrvAddress().indexOf(':') + 1)))
                .doesNotContain(haPort);
        assertThat(listening).allSatisfy(address ->
                assertThat(address.getAddress().isLoopbackAddress()).as("%s is a loopback address", address).isTrue());
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .noneMatch(name -> name.contains("AcceptSocketService") || name.contains("HAConnectionStateNotification")
                        || name.contains("GroupTransferService"));
        assertThat(ha).isInstanceOf(ReplicationOff.class);
        assertThat(ha.getConnectionCount()).hasValue(0);
    }
}
