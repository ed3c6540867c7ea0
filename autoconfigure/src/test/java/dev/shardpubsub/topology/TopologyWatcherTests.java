package dev.shardpubsub.topology;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.ApplicationEvent;

import dev.shardpubsub.event.NodeConnectionLostEvent;
import dev.shardpubsub.event.SubscriptionDroppedEvent;

import dev.shardpubsub.cluster.NodeAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TopologyWatcher}'s event publication.
 */
class TopologyWatcherTests {

	private static final NodeAddress A = new NodeAddress("127.0.0.1", 7000);

	private final List<ApplicationEvent> events = new CopyOnWriteArrayList<>();

	private final List<String> threads = new CopyOnWriteArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	private TopologyWatcher watcher;

	@AfterEach
	void stop() {
		this.release.countDown();
		this.watcher.stop();
	}

	@Test
	void publishesFromItsOwnThreadInOrderWithoutWaitingForSlowListeners() {
		this.watcher = new TopologyWatcher(new FixedTopology(), this::slowListener, Duration.ofHours(1));
		this.watcher.start();
		this.watcher.connectionLost(A, "closed");
		for (int i = 0; i < 20; i++) {
			this.watcher.serverUnsubscribed(A, "channel-" + i);
		}
		// Returned although the first listener call still waits
		assertThat(this.events).hasSizeLessThanOrEqualTo(1);
		this.release.countDown();
		await().until(() -> this.events.size() == 21);
		assertThat(this.events.get(0)).isInstanceOf(NodeConnectionLostEvent.class);
		assertThat(this.events.subList(1, 21)).extracting((event) -> ((SubscriptionDroppedEvent) event).getChannels())
			.containsExactly(channels());
		assertThat(this.threads).containsOnly("shard-pubsub-events");
	}

	@Test
	void publishesOnAGivenExecutor() {
		this.release.countDown();
		this.watcher = new TopologyWatcher(new FixedTopology(), this::slowListener, Duration.ofHours(1),
				Runnable::run);
		this.watcher.start();
		this.watcher.serverUnsubscribed(A, "orders");
		assertThat(this.events).hasSize(1);
		assertThat(this.threads).containsOnly(Thread.currentThread().getName());
	}

	@Test
	void givesEachEventToTheFirstListenerOnTheCallersThreadBeforeTheApplication() {
		List<String> first = new CopyOnWriteArrayList<>();
		this.watcher = new TopologyWatcher(new FixedTopology(), this::slowListener, Duration.ofHours(1));
		this.watcher.setFirstListener((event) -> first.add(Thread.currentThread().getName() + " "
				+ ((SubscriptionDroppedEvent) event).getChannels()));
		this.watcher.start();
		this.watcher.serverUnsubscribed(A, "orders");
		this.watcher.serverUnsubscribed(A, "payments");
		// The application's listener still waits
		assertThat(first).containsExactly(Thread.currentThread().getName() + " [orders]",
				Thread.currentThread().getName() + " [payments]");
		assertThat(this.events).isEmpty();
		this.release.countDown();
		await().until(() -> this.events.size() == 2);
	}

	private void slowListener(Object event) {
		try {
			this.release.await(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.threads.add(Thread.currentThread().getName());
		this.events.add((ApplicationEvent) event);
	}

	@SuppressWarnings("unchecked")
	private static List<String>[] channels() {
		List<String>[] channels = new List[20];
		for (int i = 0; i < 20; i++) {
			channels[i] = List.of("channel-" + i);
		}
		return channels;
	}

	private static final class FixedTopology implements ClusterTopology {

		@Override
		public SlotOwnership current() {
			return SlotOwnership.empty();
		}

		@Override
		public CompletableFuture<SlotOwnership> refresh() {
			return CompletableFuture.completedFuture(SlotOwnership.empty());
		}

		@Override
		public AutoCloseable onChange(Consumer<SlotOwnership> listener) {
			return () -> {
			};
		}

	}

}
