package org.rmqtt.common.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class HandOffBatchTest {

    /** Records what it is given; runs nothing until told. */
    private static final class Loop implements Executor {
        final List<Runnable> handed = new ArrayList<>();

        @Override
        public void execute(Runnable task) {
            handed.add(task);
        }

        void runAll() {
            handed.forEach(Runnable::run);
        }
    }

    @Test
    void outsideABurstATaskIsHandedOffAtOnce() {
        Loop loop = new Loop();
        HandOffBatch.execute(loop, () -> { });
        assertThat(loop.handed).hasSize(1);
    }

    @Test
    void aBurstHandsEachExecutorOneTaskAtItsEndThatRunsItsTasksInOrder() {
        Loop a = new Loop();
        Loop b = new Loop();
        List<String> ran = new ArrayList<>();
        HandOffBatch.run(() -> {
            HandOffBatch.execute(a, () -> ran.add("a1"));
            HandOffBatch.execute(b, () -> ran.add("b1"));
            HandOffBatch.execute(a, () -> ran.add("a2"));
            HandOffBatch.run(() -> HandOffBatch.execute(a, () -> ran.add("a3"))); // nested: same burst
            assertThat(a.handed).isEmpty();
            assertThat(b.handed).isEmpty();
        });
        assertThat(a.handed).hasSize(1);
        assertThat(b.handed).hasSize(1);
        a.runAll();
        b.runAll();
        assertThat(ran).containsExactly("a1", "a2", "a3", "b1");
        // The burst is over: this thread hands off directly again.
        HandOffBatch.execute(a, () -> { });
        assertThat(a.handed).hasSize(2);
    }

    @Test
    void aFailingTaskOrBurstOrExecutorLosesNothingElse() {
        Loop a = new Loop();
        Executor closed = task -> {
            throw new RejectedExecutionException("shut down");
        };
        List<String> ran = new ArrayList<>();
        assertThatThrownBy(() -> HandOffBatch.run(() -> {
            HandOffBatch.execute(closed, () -> ran.add("never"));
            HandOffBatch.execute(a, () -> {
                throw new IllegalStateException("task fails");
            });
            HandOffBatch.execute(a, () -> ran.add("a2"));
            throw new IllegalArgumentException("burst fails");
        })).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.handed).hasSize(1);
        a.runAll();
        assertThat(ran).containsExactly("a2");
    }

    @Test
    void aLongBurstHandsOffAsItGoes() {
        Loop a = new Loop();
        List<Integer> ran = new ArrayList<>();
        HandOffBatch.run(() -> {
            for (int i = 0; i < HandOffBatch.MAX_HELD + 1; i++) {
                int n = i;
                HandOffBatch.execute(a, () -> ran.add(n));
            }
            assertThat(a.handed).hasSize(1); // the first MAX_HELD, while the burst runs
        });
        assertThat(a.handed).hasSize(2);
        a.runAll();
        assertThat(ran).hasSize(HandOffBatch.MAX_HELD + 1).isSorted();
    }
}
