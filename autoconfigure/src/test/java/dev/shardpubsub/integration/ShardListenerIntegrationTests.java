package dev.shardpubsub.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.messaging.Message;
import org.springframework.messaging.handler.annotation.Header;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardListenerErrorHandler;
import dev.shardpubsub.listener.ShardListenerExecutionFailedException;
import dev.shardpubsub.listener.ShardMessage;
import dev.shardpubsub.listener.ShardMessageHeaders;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @ShardListener} methods receive sharded messages from a real cluster.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 1)
@SpringBootTest(classes = ShardListenerIntegrationTests.App.class)
class ShardListenerIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(30);

	@Autowired
	private ShardPublisher publisher;

	@Autowired
	private Listeners listeners;

	@Autowired
	private ShardListenerEndpointRegistry registry;

	@Test
	void thousandChannelsOverAllMastersEachReceiveTheirMessageOnce(EmbeddedRedisCluster cluster) {
		awaitAllSubscribed();
		Set<String> owners = Listeners.MANY.stream()
			.map((channel) -> cluster.ownerOfChannel(channel).address())
			.collect(Collectors.toSet());
		assertThat(owners).hasSize(3);
		for (String channel : Listeners.MANY) {
			assertThat(this.publisher.publish(channel, "hello " + channel)).isEqualTo(1);
		}
		await().atMost(WAIT).until(() -> this.listeners.many.size() == 1000);
		await().pollDelay(Duration.ofMillis(300)).atMost(WAIT).until(() -> true);
		assertThat(this.listeners.many).hasSize(1000);
		assertThat(this.listeners.many).allSatisfy((channel, payloads) -> assertThat(payloads)
			.containsExactly("hello " + channel));
	}

	@Test
	void orderIsKeptPerChannel() {
		awaitAllSubscribed();
		List<String> sent = IntStream.range(0, 10_000).mapToObj(Integer::toString).toList();
		sent.forEach((payload) -> this.publisher.publishAsync("ordered:{seq}", payload));
		await().atMost(WAIT).until(() -> this.listeners.ordered.size() >= 10_000);
		assertThat(this.listeners.ordered).containsExactlyElementsOf(sent);
	}

	@Test
	void jsonPayloadHeadersAndMessageParameter(EmbeddedRedisCluster cluster) {
		awaitAllSubscribed();
		this.publisher.publish("json:{pojo}", new Order(7, "eu"));
		await().atMost(WAIT).until(() -> this.listeners.orders.contains(new Order(7, "eu")));
		int index = this.listeners.orders.indexOf(new Order(7, "eu"));
		assertThat(this.listeners.orderChannels.get(index)).isEqualTo("json:{pojo}");
		assertThat(this.listeners.orderSlots.get(index)).isEqualTo(SlotHash.getSlot("json:{pojo}"));
		assertThat(this.listeners.orderNodes.get(index)).isEqualTo(cluster.ownerOfChannel("json:{pojo}").address());

		this.publisher.publish("raw:{message}", "abc".getBytes(StandardCharsets.UTF_8));
		await().atMost(WAIT).until(() -> this.listeners.messages.size() == 1);
		Message<?> message = this.listeners.messages.get(0);
		assertThat((byte[]) message.getPayload()).isEqualTo("abc".getBytes(StandardCharsets.UTF_8));
		assertThat(message.getHeaders().get(ShardMessageHeaders.CHANNEL)).isEqualTo("raw:{message}");
	}

	@Test
	void throwingHandlerAndUndecodablePayloadReachErrorHandlerAndListenerKeepsRunning() {
		awaitAllSubscribed();
		this.publisher.publish("faulty:{x}", "boom");
		this.publisher.publish("json:{pojo}", "this is not json");
		this.publisher.publish("faulty:{x}", "fine");
		this.publisher.publish("json:{pojo}", new Order(8, "us"));
		await().atMost(WAIT).until(() -> this.listeners.faultyOk.contains("fine")
				&& this.listeners.orders.contains(new Order(8, "us")));
		assertThat(this.listeners.errors).anySatisfy((error) -> {
			assertThat(error.channel()).isEqualTo("faulty:{x}");
			assertThat(new String(error.payload(), StandardCharsets.UTF_8)).isEqualTo("boom");
		});
		assertThat(this.listeners.errors).anySatisfy((error) -> assertThat(error.channel()).isEqualTo("json:{pojo}"));
	}

	@Test
	void sleepingHandlerDoesNotStallOtherChannels() throws InterruptedException {
		awaitAllSubscribed();
		this.publisher.publish("slow:{a}", "sleep");
		assertThat(this.listeners.slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
		for (int i = 0; i < 100; i++) {
			this.publisher.publish("fast:{b}", "m" + i);
		}
		// While the slow handler still sleeps, the fast channel's messages all arrive.
		await().atMost(Duration.ofSeconds(5)).until(() -> this.listeners.fast.get() == 100);
		assertThat(this.listeners.slowFinished.getCount()).isEqualTo(1);
		this.listeners.releaseSlow.countDown();
		assertThat(this.listeners.slowFinished.await(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void publisherReturnsReceiverCount() {
		awaitAllSubscribed();
		assertThat(this.publisher.publish("fast:{b}", "counted")).isEqualTo(1);
		assertThat(this.publisher.publish("nobody:{listens}", "nobody")).isZero();
	}

	private void awaitAllSubscribed() {
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.registry.channels()).isNotEmpty()
			.allMatch((channel) -> channel.state() == ChannelSubscription.State.SUBSCRIBED));
	}

	/**
	 * A JSON payload.
	 */
	public record Order(long id, String region) {
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Listeners listeners() {
			return new Listeners();
		}

		@Bean
		ShardListenerErrorHandler recordingErrorHandler(Listeners listeners) {
			return listeners::error;
		}

	}

	public static class Listeners {

		public static final List<String> MANY = IntStream.range(0, 1000).mapToObj((i) -> "many:" + i).toList();

		final Map<String, List<String>> many = new ConcurrentHashMap<>();

		final List<String> ordered = new CopyOnWriteArrayList<>();

		final List<Order> orders = new CopyOnWriteArrayList<>();

		final List<String> orderChannels = new CopyOnWriteArrayList<>();

		final List<Integer> orderSlots = new CopyOnWriteArrayList<>();

		final List<String> orderNodes = new CopyOnWriteArrayList<>();

		final List<Message<?>> messages = new CopyOnWriteArrayList<>();

		final List<String> faultyOk = new CopyOnWriteArrayList<>();

		final List<ShardMessage> errors = new CopyOnWriteArrayList<>();

		final AtomicInteger fast = new AtomicInteger();

		final CountDownLatch slowStarted = new CountDownLatch(1);

		final CountDownLatch releaseSlow = new CountDownLatch(1);

		final CountDownLatch slowFinished = new CountDownLatch(1);

		@ShardListener(id = "many", channels = "#{T(dev.shardpubsub.integration.ShardListenerIntegrationTests$Listeners).MANY}")
		public void many(String payload, @Header(ShardMessageHeaders.CHANNEL) String channel) {
			this.many.computeIfAbsent(channel, (key) -> new CopyOnWriteArrayList<>()).add(payload);
		}

		@ShardListener(id = "ordered", channels = "ordered:{seq}")
		public void ordered(String payload) {
			this.ordered.add(payload);
		}

		@ShardListener(id = "orders", channels = "json:{pojo}")
		public void order(Order order, @Header(ShardMessageHeaders.CHANNEL) String channel,
				@Header(ShardMessageHeaders.SLOT) int slot, @Header(ShardMessageHeaders.NODE) String node) {
			synchronized (this) {
				this.orderChannels.add(channel);
				this.orderSlots.add(slot);
				this.orderNodes.add(node);
				this.orders.add(order);
			}
		}

		@ShardListener(id = "raw", channels = "raw:{message}")
		public void raw(Message<byte[]> message) {
			this.messages.add(message);
		}

		@ShardListener(id = "faulty", channels = "faulty:{x}")
		public void faulty(String payload) {
			if ("boom".equals(payload)) {
				throw new IllegalStateException("boom");
			}
			this.faultyOk.add(payload);
		}

		@ShardListener(id = "slow", channels = "slow:{a}")
		public void slow(String payload) throws InterruptedException {
			this.slowStarted.countDown();
			this.releaseSlow.await(20, TimeUnit.SECONDS);
			this.slowFinished.countDown();
		}

		@ShardListener(id = "fast", channels = "fast:{b}")
		public void fast(String payload) {
			this.fast.incrementAndGet();
		}

		void error(ShardMessage message, ShardListenerExecutionFailedException exception) {
			this.errors.add(message);
		}

	}

}
