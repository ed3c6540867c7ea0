package dev.shardpubsub.listener;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ShardListenerContainer} and its dispatch.
 */
@ExtendWith(OutputCaptureExtension.class)
class ShardListenerContainerTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final FakeShardSubscriptions subscriptions = new FakeShardSubscriptions();

	private final ExecutorService executor = Executors.newFixedThreadPool(4);

	private final List<ShardListenerContainer> containers = new ArrayList<>();

	private final List<ShardListenerExecutionFailedException> failures = new CopyOnWriteArrayList<>();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void tearDown() {
		this.release.countDown();
		ShardListenerContainer.stop(this.containers);
		this.executor.shutdownNow();
	}

	@Test
	void startSubscribesAndHandlesOffTheCallingThread() {
		List<String> threads = new CopyOnWriteArrayList<>();
		ShardListenerContainer container = start("l1", (channel, payload) -> threads.add(Thread.currentThread()
			.getName()), "a", "b");
		assertThat(container.isRunning()).isTrue();
		assertThat(this.subscriptions.calls()).containsExactly("subscribe l1 [a, b]");
		this.subscriptions.publish("a", "x");
		await().atMost(TIMEOUT).until(() -> threads.size() == 1);
		assertThat(threads.get(0)).isNotEqualTo(Thread.currentThread().getName());
	}

	@Test
	void keepsTheOrderOfEachChannelWithTenThousandMessages() {
		String[] channels = { "c0", "c1", "c2", "c3" };
		Map<String, List<Integer>> received = new ConcurrentHashMap<>();
		Map<String, AtomicBoolean> busy = new ConcurrentHashMap<>();
		AtomicInteger overlaps = new AtomicInteger();
		AtomicInteger handled = new AtomicInteger();
		start("ordered", (channel, payload) -> {
			AtomicBoolean channelBusy = busy.computeIfAbsent(channel, (key) -> new AtomicBoolean());
			if (!channelBusy.compareAndSet(false, true)) {
				overlaps.incrementAndGet();
			}
			received.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>()).add(Integer.valueOf(payload));
			channelBusy.set(false);
			handled.incrementAndGet();
		}, channels);
		for (int i = 0; i < 10_000; i++) {
			this.subscriptions.publish(channels[i % channels.length], Integer.toString(i / channels.length));
		}
		await().atMost(TIMEOUT).until(() -> handled.get() == 10_000);
		assertThat(overlaps).hasValue(0);
		List<Integer> expected = new ArrayList<>();
		for (int i = 0; i < 2_500; i++) {
			expected.add(i);
		}
		for (String channel : channels) {
			assertThat(received.get(channel)).as(channel).containsExactlyElementsOf(expected);
		}
	}

	@Test
	void aBlockedChannelDoesNotStallAnother() throws InterruptedException {
		AtomicInteger fast = new AtomicInteger();
		AtomicInteger slow = new AtomicInteger();
		start("mixed", (channel, payload) -> {
			if (channel.equals("slow")) {
				this.release.await();
				slow.incrementAndGet();
			}
			else {
				fast.incrementAndGet();
			}
		}, "slow", "fast");
		for (int i = 0; i < 5; i++) {
			this.subscriptions.publish("slow", "s" + i);
		}
		for (int i = 0; i < 500; i++) {
			this.subscriptions.publish("fast", "f" + i);
		}
		await().atMost(TIMEOUT).until(() -> fast.get() == 500);
		assertThat(slow).hasValue(0);
		this.release.countDown();
		await().atMost(TIMEOUT).until(() -> slow.get() == 5);
	}

	@Test
	void overflowDropsAreCountedAndLoggedAtMostOncePerInterval(CapturedOutput output) throws InterruptedException {
		CountDownLatch entered = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		AtomicLong droppedCallbacks = new AtomicLong();
		ShardListenerContainer container = container("overflow", (channel, payload) -> {
			entered.countDown();
			this.release.await();
			handled.incrementAndGet();
		}, new ShardListenerContainerProperties(true, 10, TIMEOUT, Duration.ofHours(1)), "c");
		container.setDispatchListener(new DispatchListener() {

			@Override
			public void onDropped(String listenerId, String channel) {
				droppedCallbacks.incrementAndGet();
			}

		});
		container.start();
		this.subscriptions.publish("c", "first");
		assertThat(entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThatNoException().isThrownBy(() -> {
			for (int i = 0; i < 100; i++) {
				this.subscriptions.publish("c", "m" + i);
			}
		});
		assertThat(container.droppedCount()).isEqualTo(90);
		assertThat(droppedCallbacks).hasValue(90);
		assertThat(output).contains("Listener 'overflow' dropped 1 message(s) since the last report (last on "
				+ "channel 'c') because its queue of 10 messages for the channel was full")
			.contains("Raise shard-pubsub.listener.queue-capacity or speed up the listener method");
		this.release.countDown();
		await().atMost(TIMEOUT).until(() -> handled.get() == 11);
		container.stop();
		assertThat(output).contains("Listener 'overflow' dropped 89 message(s)").contains("90 dropped in total");
		assertThat(output.getOut().lines().filter((line) -> line.contains("Listener 'overflow' dropped"))).hasSize(2);
	}

	@Test
	void stopUnsubscribesThenDrainsQueuedMessages() {
		CountDownLatch unsubscribed = new CountDownLatch(1);
		FakeShardSubscriptions subscriptions = new FakeShardSubscriptions() {

			@Override
			public void unsubscribe(String listenerId) {
				super.unsubscribe(listenerId);
				unsubscribed.countDown();
			}

		};
		AtomicInteger handled = new AtomicInteger();
		ShardListenerContainer container = new ShardListenerContainer("draining", List.of("a", "b", "c"),
				adapter("draining", (channel, payload) -> {
					unsubscribed.await();
					handled.incrementAndGet();
				}), subscriptions, this.executor, ShardListenerContainerProperties.defaults());
		container.start();
		for (int i = 0; i < 300; i++) {
			subscriptions.publish(List.of("a", "b", "c").get(i % 3), "m" + i);
		}
		assertThat(handled).hasValue(0);
		container.stop();
		assertThat(handled).hasValue(300);
		assertThat(container.isRunning()).isFalse();
		assertThat(subscriptions.isSubscribed("draining")).isFalse();
		assertThat(subscriptions.calls()).containsExactly("subscribe draining [a, b, c]", "unsubscribe draining");
	}

	@Test
	void stopAbandonsWhatIsStillQueuedAfterTheShutdownTimeout(CapturedOutput output) throws InterruptedException {
		CountDownLatch entered = new CountDownLatch(1);
		AtomicInteger handled = new AtomicInteger();
		ShardListenerContainer container = container("stuck", (channel, payload) -> {
			entered.countDown();
			this.release.await();
			handled.incrementAndGet();
		}, new ShardListenerContainerProperties(true, 100, Duration.ofMillis(200), Duration.ofSeconds(10)), "c");
		container.start();
		this.subscriptions.publish("c", "first");
		assertThat(entered.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < 5; i++) {
			this.subscriptions.publish("c", "m" + i);
		}
		long start = System.nanoTime();
		container.stop();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
		assertThat(output).contains("Stopped listener 'stuck' with 5 queued message(s) abandoned and 1 still being "
				+ "handled after the shutdown timeout of 200 ms");
		this.release.countDown();
		await().atMost(TIMEOUT).until(() -> handled.get() == 1);
		Thread.sleep(50);
		assertThat(handled).hasValue(1);
	}

	@Test
	void messagesArrivingAfterStopAreIgnored() {
		AtomicInteger handled = new AtomicInteger();
		ShardListenerContainer container = start("late", (channel, payload) -> handled.incrementAndGet(), "c");
		ShardMessageSink sink = this.subscriptions.lastSink("late");
		container.stop();
		assertThatNoException()
			.isThrownBy(() -> sink.accept(new ShardMessage("c", new byte[0], 0, FakeShardSubscriptions.NODE)));
		assertThat(handled).hasValue(0);
		assertThat(container.pendingCount()).isZero();
	}

	@Test
	void restartsAfterStop() {
		AtomicInteger handled = new AtomicInteger();
		ShardListenerContainer container = start("restart", (channel, payload) -> handled.incrementAndGet(), "c");
		container.stop();
		assertThat(this.subscriptions.publish("c", "lost")).isZero();
		container.start();
		this.subscriptions.publish("c", "again");
		await().atMost(TIMEOUT).until(() -> handled.get() == 1);
		assertThat(this.subscriptions.calls()).containsExactly("subscribe restart [c]", "unsubscribe restart",
				"subscribe restart [c]");
	}

	@Test
	void aFailingMethodReachesTheErrorHandlerAndLaterMessagesStillArrive() {
		List<String> received = new CopyOnWriteArrayList<>();
		List<Boolean> outcomes = new CopyOnWriteArrayList<>();
		ShardListenerContainer container = container("failing", (channel, payload) -> {
			if (payload.equals("boom")) {
				throw new IllegalStateException("boom");
			}
			received.add(payload);
		}, ShardListenerContainerProperties.defaults(), "c");
		container.setDispatchListener(new DispatchListener() {

			@Override
			public void onHandled(String listenerId, String channel, Duration duration, boolean success) {
				outcomes.add(success);
			}

		});
		container.start();
		this.subscriptions.publish("c", "1");
		this.subscriptions.publish("c", "boom");
		this.subscriptions.publish("c", "3");
		await().atMost(TIMEOUT).until(() -> outcomes.size() == 3);
		assertThat(received).containsExactly("1", "3");
		assertThat(outcomes).containsExactly(true, false, true);
		assertThat(this.failures).singleElement().satisfies((failure) -> {
			assertThat(failure).hasMessage("Listener 'failing' method ShardListenerContainerTests.Listener"
					+ ".onMessage(String, String) failed to handle a message of channel 'c'");
			assertThat(failure.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("boom");
			assertThat(failure.getListenerId()).isEqualTo("failing");
			assertThat(failure.getChannel()).isEqualTo("c");
		});
	}

	@Test
	void pausedKeepsTheChannelsSubscribedAndQueuesUpToTheCapacityUntilResumed() throws InterruptedException {
		List<String> received = new CopyOnWriteArrayList<>();
		ShardListenerContainer container = container("paused", (channel, payload) -> received.add(payload),
				new ShardListenerContainerProperties(true, 3, TIMEOUT, Duration.ofHours(1)), "c");
		container.pause();
		container.start();
		assertThat(container.isPaused()).isTrue();
		assertThat(this.subscriptions.isSubscribed("paused")).isTrue();
		for (int i = 0; i < 5; i++) {
			this.subscriptions.publish("c", "m" + i);
		}
		Thread.sleep(100);
		assertThat(received).isEmpty();
		assertThat(container.pendingCount()).isEqualTo(3);
		assertThat(container.droppedCount()).isEqualTo(2);
		container.resume();
		await().atMost(TIMEOUT).until(() -> received.size() == 3);
		assertThat(received).containsExactly("m0", "m1", "m2");
		this.subscriptions.publish("c", "after");
		await().atMost(TIMEOUT).until(() -> received.size() == 4);
		assertThat(container.isPaused()).isFalse();
	}

	@Test
	void stoppingAPausedContainerAbandonsItsQueueWithoutWaiting() {
		List<String> received = new CopyOnWriteArrayList<>();
		ShardListenerContainer container = start("pausedStop", (channel, payload) -> received.add(payload), "c");
		container.pause();
		this.subscriptions.publish("c", "kept");
		long start = System.nanoTime();
		container.stop();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		assertThat(container.pendingCount()).isZero();
		assertThat(received).isEmpty();
	}

	private ShardListenerContainer start(String id, Handler handler, String... channels) {
		ShardListenerContainer container = container(id, handler, ShardListenerContainerProperties.defaults(),
				channels);
		container.start();
		return container;
	}

	private ShardListenerContainer container(String id, Handler handler, ShardListenerContainerProperties properties,
			String... channels) {
		ShardListenerContainer container = new ShardListenerContainer(id, List.of(channels), adapter(id, handler),
				this.subscriptions, this.executor, properties);
		this.containers.add(container);
		return container;
	}

	private MessagingShardListenerAdapter adapter(String id, Handler handler) {
		ShardListenerMessageHandlerMethodFactory factory = new ShardListenerMessageHandlerMethodFactory(null);
		factory.afterPropertiesSet();
		Method method = ReflectionUtils.findMethod(Listener.class, "onMessage", String.class, String.class);
		return new MessagingShardListenerAdapter(id,
				factory.createInvocableHandlerMethod(new Listener(handler), method),
				(message, exception) -> this.failures.add(exception));
	}

	@FunctionalInterface
	interface Handler {

		void handle(String channel, String payload) throws Exception;

	}

	static class Listener {

		private final Handler handler;

		Listener(Handler handler) {
			this.handler = handler;
		}

		public void onMessage(@Header(ShardMessageHeaders.CHANNEL) String channel, String payload) throws Exception {
			this.handler.handle(channel, payload);
		}

	}

}
