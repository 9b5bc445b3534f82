package org.rmqtt.meta.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.client.MetaPeer;
import org.rmqtt.meta.codec.BinaryWriter;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import picocli.CommandLine;

/** A peer whose data it cannot read refuses to start, with an error that says why. */
class PeerDataTest {

    @TempDir
    Path dataDir;

    private Path smDir() throws IOException {
        try (Stream<Path> found = Files.find(dataDir, 3, (p, a) -> p.getFileName().toString().equals("sm"))) {
            return found.findFirst().orElseThrow();
        }
    }

    private void writeSomeState() throws Exception {
        // A snapshot after every entry, so the peer has one to restore from.
        try (MetaClient meta = EmbeddedMeta.start(dataDir, c -> c.withSnapshots(1, c.logSegmentBytes(), 1))) {
            meta.addSubscription("c1", new Subscription("a/#", 1)).join();
            meta.addSubscription("c1", new Subscription("b/#", 1)).join();
        }
    }

    private MetaServer peerOnSameData() throws IOException {
        List<MetaPeer> peers = List.of(new MetaPeer(EmbeddedMeta.PEER_ID, "127.0.0.1", EmbeddedMeta.freeLoopbackPort()));
        return new MetaServer(MetaServerConfig.of(EmbeddedMeta.PEER_ID, peers, dataDir));
    }

    @Test
    void aStoreOfAnUnknownFormatStopsThePeerAtStart() throws Exception {
        writeSomeState();
        Path db = smDir().resolve("db");
        try (Options options = new Options(); RocksDB raw = RocksDB.open(options, db.toString())) {
            raw.put(new byte[] {0x01, 1}, new BinaryWriter().i32(99).toByteArray());
        }
        MetaServer server = peerOnSameData();
        try {
            assertThatThrownBy(server::start)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("format version 99; this build reads version 1");
        } finally {
            server.close();
        }
    }

    @Test
    void aCorruptSnapshotStopsThePeerWhenItMustRestoreFromIt() throws Exception {
        writeSomeState();
        Path sm = smDir();
        // The live db is gone, so the peer must restore from its snapshot, which is damaged.
        SnapshotStore.deleteRecursively(sm.resolve("db"));
        try (Stream<Path> snapshots = Files.list(sm.resolve("snapshots"))) {
            Path snapshot = snapshots.findFirst().orElseThrow();
            Files.writeString(snapshot.resolve("CURRENT"), "not-a-manifest\n");
        }
        MetaServer server = peerOnSameData();
        try {
            assertThatThrownBy(server::start)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("Cannot open the meta store");
        } finally {
            server.close();
        }
    }

    @Test
    void theCommandLineRefusesAnIdThatIsNotAPeer() {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = MetaServerMain.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = cli.execute("--id", "m9", "--peers", "m1=127.0.0.1:1,m2=127.0.0.1:2", "--data.dir", dataDir.toString());
        assertThat(code).isNotZero();
        assertThat(err.toString()).contains("m9");
    }

    @Test
    void theCommandLineRefusesAFlushModeOtherThanSyncOrAsync() {
        java.io.StringWriter err = new java.io.StringWriter();
        CommandLine cli = MetaServerMain.commandLine();
        cli.setErr(new java.io.PrintWriter(err));
        int code = cli.execute("--id", "m1", "--peers", "m1=127.0.0.1:1", "--data.dir", dataDir.toString(),
                "--log.flush", "fsync");
        assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("--log.flush");
    }

    @Test
    void aLogEntryItCannotReadIsThrownOutOfApplyAndNothingIsApplied() throws Exception {
        try (MetaServer server = peerOnSameData().start()) {
            MetaStateMachine stateMachine = server.stateMachine();
            long index = stateMachine.store().appliedIndex() + 1000;
            byte[] fromANewerBuild = MetaCodec.encodeLogEntry(1, new Command.Leave("gw"));
            fromANewerBuild[0] = 2;
            LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
                    .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
                            .setLogData(ByteString.copyFrom(fromANewerBuild)))
                    .build();
            TransactionContext trx = TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER)
                    .setStateMachine(stateMachine).setLogEntry(entry).build();

            // Thrown rather than returned as a failed future: Ratis's applier then stops this peer.
            assertThatThrownBy(() -> stateMachine.applyTransaction(trx))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("cannot apply log entry " + index + " and stops")
                    .hasMessageContaining("format version 2; this build reads version 1");
            assertThat(stateMachine.store().appliedIndex()).isLessThan(index);
        }
    }
}
