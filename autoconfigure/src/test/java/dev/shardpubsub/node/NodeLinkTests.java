package dev.shardpubsub.node;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.shardpubsub.cluster.NodeAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link NodeLink}: the liveness check (which connections get a {@code PING}, and what an unanswered
 * one does), and the order in which queued commands reach the connection.
 */
class NodeLinkTests {

	private static final NodeAddress NODE = new NodeAddress("127.0.0.1", 7000);

	private static final long IDLE = TimeUnit.SECONDS.toNanos(1);

	private final StatefulRedisPubSubConnection<String, byte[]> connection = mockConnection();

	private final RedisPubSubAsyncCommands<String, byte[]> commands = mockCommands();

	private final TestFuture<String> pong = new TestFuture<>();

	private final TestFuture<Void> subscribed = new TestFuture<>();

	private final NodeLink link = new NodeLink(NODE, mock(NodeSubscriptionListener.class), 200);

	@BeforeEach
	void connect() {
		given(this.connection.async()).willReturn(this.commands);
		given(this.commands.ping()).willReturn(this.pong);
		given(this.commands.ssubscribe(any(String[].class))).willReturn(this.subscribed);
		this.link.connected(this.connection);
	}

	@Test
	void silentConnectionIsPinged() {
		assertThat(this.link.pingIfIdle(later(2), IDLE)).isTrue();
		verify(this.commands).ping();
	}

	@Test
	void connectionSilentForLessThanTheIntervalIsNotPinged() {
		assertThat(this.link.pingIfIdle(System.nanoTime(), IDLE)).isFalse();
		verify(this.commands, never()).ping();
	}

	@Test
	void receivedMessageCountsAsActivity() {
		long before = System.nanoTime();
		this.link.smessage("a", new byte[0]);
		assertThat(this.link.pingIfIdle(before + IDLE - 1, IDLE)).isFalse();
		assertThat(this.link.pingIfIdle(later(2), IDLE)).isTrue();
	}

	@Test
	void commandInFlightIsNotPinged() {
		this.link.submit(true, List.of("a"), false);
		assertThat(this.link.pingIfIdle(later(2), IDLE)).isFalse();
		verify(this.commands, never()).ping();
	}

	@Test
	void unansweredPingIsNotRepeated() {
		assertThat(this.link.pingIfIdle(later(2), IDLE)).isTrue();
		assertThat(this.link.pingIfIdle(later(3), IDLE)).isFalse();
		verify(this.commands, times(1)).ping();
	}

	@Test
	void pingGoesAlone() {
		this.link.pingIfIdle(later(2), IDLE);
		CompletableFuture<Void> subscribe = this.link.submit(true, List.of("a"), false);
		verify(this.commands, never()).ssubscribe(any(String[].class));
		this.pong.complete("PONG");
		verify(this.commands).ssubscribe("a");
		this.link.ssubscribed("a", 1);
		assertThat(subscribe).isCompleted();
	}

	@Test
	void emptyResp2AnswerCountsAsAlive() {
		// A subscribed RESP2 connection answers ["pong", ""]; Lettuce completes the PING with the empty string.
		this.link.pingIfIdle(later(2), IDLE);
		this.pong.complete("");
		assertThat(this.link.pingIfIdle(System.nanoTime(), IDLE)).isFalse();
		assertThat(this.link.failure()).isNull();
		verify(this.connection, never()).closeAsync();
	}

	@Test
	void unansweredPingFailsTheLinkAndClosesTheConnection() {
		this.link.pingIfIdle(later(2), IDLE);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> verify(this.connection).closeAsync());
		assertThat(this.link.failure()).isEqualTo("no answer to PING within 200 ms");
		assertThat(this.link.submit(true, List.of("a"), false)).isCompletedExceptionally();
		assertThat(this.link.pingIfIdle(later(4), IDLE)).isFalse();
	}

	@Test
	void commandUnansweredWhileTheNodeAnswersOthersWaitsOn() throws Exception {
		CompletableFuture<Void> subscribe = this.link.submit(true, List.of("a"), false);
		// The node is busy with what was pipelined ahead, answering all the while: 600 ms, three timeouts.
		answerOthersFor(12);
		assertThat(subscribe).isNotDone();
		assertThat(this.link.failure()).isNull();
		this.link.ssubscribed("a", 1);
		assertThat(subscribe).isCompleted();
		verify(this.connection, never()).closeAsync();
	}

	@Test
	void commandUnansweredWhenTheNodeFallsSilentFailsTheLink() throws Exception {
		CompletableFuture<Void> subscribe = this.link.submit(true, List.of("a"), false);
		answerOthersFor(6);
		long silentFrom = System.nanoTime();
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> verify(this.connection).closeAsync());
		assertThat(System.nanoTime() - silentFrom).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
		assertThat(subscribe).isCompletedExceptionally();
		assertThat(this.link.failure()).isEqualTo("no answer to SUBSCRIBE within 200 ms");
	}

	@Test
	void commandUnansweredForFiveTimeoutsFailsTheLinkEvenIfTheNodeAnswersOthers() {
		CompletableFuture<Void> subscribe = this.link.submit(true, List.of("a"), false);
		long sent = System.nanoTime();
		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			this.link.smessage("other", new byte[0]);
			verify(this.connection).closeAsync();
		});
		assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1000));
		assertThat(subscribe).isCompletedExceptionally();
		assertThat(this.link.failure()).startsWith("no answer to SUBSCRIBE within 1");
	}

	@Test
	void askersOfTheRoleWhileOneIsQueuedShareIt() {
		TestFuture<List<Object>> role = new TestFuture<>();
		given(this.commands.role()).willReturn(role);
		// A subscribe in flight: the ROLE waits in the queue, and the slots dropped meanwhile ask it too.
		this.link.submit(true, List.of("a"), false);
		CompletableFuture<NodeAddress> first = this.link.master();
		CompletableFuture<NodeAddress> second = this.link.master();
		this.link.ssubscribed("a", 1);
		verify(this.commands, times(1)).role();
		// On the wire now: a later asker gets a ROLE of its own, sent after this one's answer.
		CompletableFuture<NodeAddress> third = this.link.master();
		role.complete(List.of("slave".getBytes(), "127.0.0.1".getBytes(), 7001L));
		NodeAddress master = new NodeAddress("127.0.0.1", 7001);
		assertThat(first).isCompletedWithValue(master);
		assertThat(second).isCompletedWithValue(master);
		assertThat(third).isCompletedWithValue(master);
		verify(this.commands, times(2)).role();
	}

	@Test
	void subscribeWaitsForTheUnsubscribeOfTheSameChannelInFlight() {
		given(this.commands.sunsubscribe(any(String[].class))).willReturn(new TestFuture<>());
		CompletableFuture<Void> unsubscribe = this.link.submit(false, List.of("x"), false);
		CompletableFuture<Void> subscribe = this.link.submit(true, List.of("x"), false);
		// Both on the wire at once, the node might run the subscribe first: both confirmed, the channel unsubscribed.
		verify(this.commands).sunsubscribe("x");
		verify(this.commands, never()).ssubscribe(any(String[].class));
		this.link.sunsubscribed("x", 0);
		assertThat(unsubscribe).isCompleted();
		verify(this.commands).ssubscribe("x");
		this.link.ssubscribed("x", 1);
		assertThat(subscribe).isCompleted();
	}

	@Test
	void unsubscribeWaitsForTheSubscribeOfTheSameChannelInFlightButOtherChannelsDoNot() {
		given(this.commands.sunsubscribe(any(String[].class))).willReturn(new TestFuture<>());
		this.link.submit(true, List.of("x"), false);
		this.link.submit(false, List.of("y"), false);
		this.link.submit(false, List.of("x"), false);
		verify(this.commands).sunsubscribe("y");
		verify(this.commands, never()).sunsubscribe("x");
		this.link.ssubscribed("x", 1);
		verify(this.commands).sunsubscribe("x");
	}

	@Test
	void commandsReachTheConnectionInQueueOrderWhenTwoThreadsSend() throws Exception {
		List<String> wire = new CopyOnWriteArrayList<>();
		CountDownLatch writing = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		given(this.commands.sunsubscribe(any(String[].class))).willAnswer((invocation) -> {
			writing.countDown();
			// A slow write: the command was taken from the queue but is not on the connection yet.
			proceed.await(5, TimeUnit.SECONDS);
			wire.add("SUNSUBSCRIBE " + invocation.getArgument(0));
			return new TestFuture<Void>();
		});
		given(this.commands.ssubscribe(any(String[].class))).willAnswer((invocation) -> {
			wire.add("SSUBSCRIBE " + invocation.getArgument(0));
			return new TestFuture<Void>();
		});
		Thread first = new Thread(() -> this.link.submit(false, List.of("x"), false));
		first.start();
		assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
		this.link.submit(true, List.of("x"), false);
		proceed.countDown();
		first.join(5000);
		await().atMost(Duration.ofSeconds(5)).until(() -> wire.size() == 1);
		// The subscribe of the same channel goes once the node confirmed the unsubscribe.
		this.link.sunsubscribed("x", 0);
		await().atMost(Duration.ofSeconds(5)).until(() -> wire.size() == 2);
		assertThat(wire).containsExactly("SUNSUBSCRIBE x", "SSUBSCRIBE x");
	}

	@Test
	void linkNotYetConnectedIsNotPinged() {
		NodeLink connecting = new NodeLink(NODE, mock(NodeSubscriptionListener.class), 200);
		assertThat(connecting.pingIfIdle(later(2), IDLE)).isFalse();
	}

	/** The node sends something else every 50 ms, this many times. */
	private void answerOthersFor(int times) throws InterruptedException {
		for (int i = 0; i < times; i++) {
			Thread.sleep(50);
			this.link.smessage("other", new byte[0]);
		}
	}

	private static long later(int seconds) {
		return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
	}

	@SuppressWarnings("unchecked")
	private static StatefulRedisPubSubConnection<String, byte[]> mockConnection() {
		return mock(StatefulRedisPubSubConnection.class);
	}

	@SuppressWarnings("unchecked")
	private static RedisPubSubAsyncCommands<String, byte[]> mockCommands() {
		return mock(RedisPubSubAsyncCommands.class);
	}

	/** A reply that the test completes. */
	static final class TestFuture<T> extends CompletableFuture<T> implements RedisFuture<T> {

		@Override
		public String getError() {
			return null;
		}

		@Override
		public boolean await(long timeout, TimeUnit unit) {
			return isDone();
		}

	}

}
