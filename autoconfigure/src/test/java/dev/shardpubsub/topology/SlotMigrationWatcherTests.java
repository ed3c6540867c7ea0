package dev.shardpubsub.topology;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.shardpubsub.event.SlotMigrationsChangedEvent;

import dev.shardpubsub.cluster.NodeAddress;
import dev.shardpubsub.cluster.SlotMigration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SlotMigrationWatcher}.
 */
class SlotMigrationWatcherTests {

	private static final NodeAddress A = new NodeAddress("127.0.0.1", 7000);

	private static final NodeAddress B = new NodeAddress("127.0.0.1", 7001);

	private final List<SlotMigrationsChangedEvent> events = new CopyOnWriteArrayList<>();

	private final Masters masters = new Masters();

	private SlotMigrationWatcher watcher;

	@AfterEach
	void stop() {
		if (this.watcher != null) {
			this.watcher.stop();
		}
		assertThat(this.masters.closed).isEqualTo(this.watcher != null ? 1 : 0);
	}

	@Test
	void publishesMigrationsWhenTheyStartAndEndMergingTheReportsOfSourceAndTarget() {
		start(Duration.ofMillis(10));
		int asked = this.masters.asked.get();
		await().until(() -> this.masters.asked.get() > asked + 2);
		assertThat(this.events).isEmpty();
		this.masters.report = List.of(new SlotMigration(42, A, B), new SlotMigration(42, A, null),
				new SlotMigration(42, null, B));
		await().until(() -> this.events.size() == 1);
		assertThat(this.events.get(0).getStarted()).containsExactly(new SlotMigration(42, A, B));
		assertThat(this.events.get(0).getEnded()).isEmpty();
		this.masters.report = List.of();
		await().until(() -> this.events.size() == 2);
		assertThat(this.events.get(1).getStarted()).isEmpty();
		assertThat(this.events.get(1).getEnded()).containsExactly(new SlotMigration(42, A, B));
	}

	@Test
	void keepsCheckingAfterAFailedAnswer() {
		this.masters.failing = true;
		start(Duration.ofMillis(10));
		await().until(() -> this.masters.asked.get() > 3);
		this.masters.failing = false;
		this.masters.report = List.of(new SlotMigration(7, A, B));
		await().until(() -> this.events.size() == 1);
	}

	@Test
	void aZeroPeriodChecksNothing() throws InterruptedException {
		start(Duration.ZERO);
		Thread.sleep(100);
		assertThat(this.masters.asked).hasValue(0);
	}

	private void start(Duration period) {
		this.watcher = new SlotMigrationWatcher(this.masters, (event) -> this.events.add((SlotMigrationsChangedEvent) event),
				period);
		this.watcher.start();
	}

	private static final class Masters implements ClusterTopology {

		private final AtomicInteger asked = new AtomicInteger();

		private volatile List<SlotMigration> report = List.of();

		private volatile boolean failing;

		private int closed;

		@Override
		public SlotOwnership current() {
			throw new UnsupportedOperationException();
		}

		@Override
		public CompletableFuture<SlotOwnership> refresh() {
			throw new UnsupportedOperationException();
		}

		@Override
		public AutoCloseable onChange(Consumer<SlotOwnership> listener) {
			throw new UnsupportedOperationException();
		}

		@Override
		public CompletableFuture<List<SlotMigration>> migrations() {
			this.asked.incrementAndGet();
			return this.failing ? CompletableFuture.failedFuture(new IllegalStateException("down"))
					: CompletableFuture.completedFuture(this.report);
		}

		@Override
		public void close() {
			this.closed++;
		}

	}

}
