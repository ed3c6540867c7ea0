package dev.shardpubsub.integration;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.metrics.ShardListenerMetrics;
import dev.shardpubsub.metrics.ShardSubscriptionMetrics;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Metrics, health and the {@code shardsubscriptions} endpoint on a real cluster, read over HTTP as an operator
 * would: a slot move is counted and shown with its new node, an uncovered slot turns health DOWN after the grace
 * period and UP again once covered, and a slow listener's overflow shows as dropped messages.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 0, requireFullCoverage = false)
@SpringBootTest(classes = ObservabilityIntegrationTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=health,shardsubscriptions",
				"management.endpoint.health.show-details=always", "shard-pubsub.health.grace-period=1s",
				"shard-pubsub.listener.queue-capacity=4", "shard-pubsub.topology.refresh-period=1h",
				"shard-pubsub.reconcile.retry-max-interval=500ms" })
class ObservabilityIntegrationTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private static final String MOVING = "obs:{moving}";

	private static final String SLOW = "obs:{slow}";

	private static final String UNCOVERED = "obs:{uncovered}";

	private final HttpClient http = HttpClient.newHttpClient();

	private final EmbeddedRedisCluster cluster;

	@LocalServerPort
	private int port;

	@Autowired
	private MeterRegistry meterRegistry;

	@Autowired
	private ShardPublisher publisher;

	@Autowired
	private ShardListenerEndpointRegistry registry;

	@Autowired
	private Listeners listeners;

	ObservabilityIntegrationTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
	}

	@BeforeEach
	void everyChannelSubscribed() {
		this.listeners.release = new CountDownLatch(1);
		this.cluster.awaitAgreement();
		await().atMost(WAIT).until(() -> this.registry.channels().size() == 3
				&& this.registry.channels().stream().allMatch((channel) -> channel.state() == State.SUBSCRIBED));
	}

	@AfterEach
	void releaseSlowListener() {
		this.listeners.release.countDown();
	}

	@Test
	void slotMoveIsCountedTimedAndShownWithItsNewNode() throws Exception {
		int slot = this.cluster.slotOf(MOVING);
		RedisNode target = otherMaster(this.cluster.ownerOf(slot));
		double movesBefore = moves(target);
		long gapsBefore = gaps();

		this.cluster.operations().setSlotNode(slot, target);

		await().atMost(WAIT).untilAsserted(() -> {
			String listener = get("/actuator/shardsubscriptions/moving").body();
			assertThat(JsonPath.<String>read(listener, "$.channels[0].node")).isEqualTo(target.address());
			assertThat(JsonPath.<String>read(listener, "$.channels[0].state")).isEqualTo("SUBSCRIBED");
		});
		assertThat(moves(target)).isGreaterThan(movesBefore);
		assertThat(gaps()).isGreaterThan(gapsBefore);
		String all = get("/actuator/shardsubscriptions").body();
		assertThat(JsonPath.<Integer>read(all, "$.listeners.moving.channels[0].slot")).isEqualTo(slot);
		assertThat(JsonPath.<Integer>read(all, "$.listeners.moving.channels[0].moves")).isGreaterThanOrEqualTo(1);
		assertThat(JsonPath.<Object>read(all, "$.listeners.moving.channels[0].lastGap")).isNotNull();
		assertThat(JsonPath.<Boolean>read(all, "$.listeners.moving.running")).isTrue();
		assertThat(JsonPath.<Object>read(all, "$.listeners")).asString().contains("slow", "uncovered");

		// Messages after the move arrive, and are counted
		this.publisher.publish(MOVING, "after-move");
		await().atMost(WAIT).until(() -> this.listeners.moving.contains("after-move"));
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.meterRegistry
			.get(ShardListenerMetrics.MESSAGES_HANDLED)
			.tags("listener.id", "moving", "result", "success")
			.counter()
			.count()).isGreaterThanOrEqualTo(1));
		assertThat(JsonPath.<Object>read(get("/actuator/shardsubscriptions/moving").body(),
				"$.channels[0].lastMessageAt")).isNotNull();
		assertThat(get("/actuator/shardsubscriptions/nobody").statusCode()).isEqualTo(404);
	}

	@Test
	void uncoveredSlotTurnsHealthDownAfterGracePeriodAndUpWhenCoveredAgain() throws Exception {
		int slot = this.cluster.slotOf(UNCOVERED);
		RedisNode owner = this.cluster.ownerOf(slot);
		await().atMost(WAIT).until(() -> "UP".equals(shardPubSubHealth()));
		try {
			this.cluster.operations().removeSlot(slot);
			await().atMost(WAIT).untilAsserted(() -> {
				HttpResponse<String> health = get("/actuator/health");
				assertThat(health.statusCode()).isEqualTo(503);
				assertThat(JsonPath.<String>read(health.body(), "$.components.shardPubSub.status")).isEqualTo("DOWN");
				assertThat(JsonPath.<Integer>read(health.body(), "$.components.shardPubSub.details.pending[0].slot"))
					.isEqualTo(slot);
				assertThat(JsonPath.<String>read(health.body(), "$.components.shardPubSub.details.pending[0].state"))
					.isEqualTo("UNCOVERED");
			});
			assertThat(this.meterRegistry.get(ShardSubscriptionMetrics.UNCOVERED_SLOTS).gauge().value()).isEqualTo(1);
		}
		finally {
			this.cluster.operations().assignSlot(slot, owner);
		}
		await().atMost(WAIT).until(() -> "UP".equals(shardPubSubHealth()));
		await().atMost(WAIT)
			.untilAsserted(() -> assertThat(
					this.meterRegistry.get(ShardSubscriptionMetrics.UNCOVERED_SLOTS).gauge().value()).isZero());
	}

	@Test
	void slowListenerOverflowShowsAsDroppedMessages() throws Exception {
		assertThat(this.meterRegistry).isInstanceOf(SimpleMeterRegistry.class);
		ShardListenerContainer slow = this.registry.getListenerContainer("slow");
		for (int i = 0; i < 30; i++) {
			this.publisher.publish(SLOW, "m" + i);
		}
		// One message blocked in the listener, four queued (one more if it arrived before the first was taken),
		// the rest dropped
		await().atMost(WAIT).until(() -> slow.receivedCount() == 30);
		Counter dropped = this.meterRegistry.get(ShardListenerMetrics.MESSAGES_HANDLED)
			.tags("listener.id", "slow", "result", "dropped")
			.counter();
		assertThat(dropped.count()).isBetween(25.0, 26.0).isEqualTo((double) slow.droppedCount());
		assertThat(this.meterRegistry.get(ShardListenerMetrics.MESSAGES_RECEIVED)
			.tag("listener.id", "slow")
			.functionCounter()
			.count()).isEqualTo(30);
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.meterRegistry.get(ShardListenerMetrics.QUEUE_DEPTH)
			.tag("listener.id", "slow")
			.gauge()
			.value()).isEqualTo(30 - dropped.count()));
		assertThat(JsonPath.<Integer>read(get("/actuator/shardsubscriptions/slow").body(), "$.dropped"))
			.isEqualTo((int) dropped.count());

		this.listeners.release.countDown();
		long handled = 30 - (long) dropped.count();
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.meterRegistry
			.get(ShardListenerMetrics.MESSAGES_HANDLED)
			.tags("listener.id", "slow", "result", "success")
			.counter()
			.count()).isEqualTo(handled));
		// Handler invocations are observed: Boot's observation handler turns them into the one timer per message
		assertThat(this.meterRegistry.find(ShardListenerMetrics.HANDLER_DURATION).meters()).isEmpty();
		await().atMost(WAIT).untilAsserted(() -> assertThat(this.meterRegistry.get("shard.pubsub.listener")
			.tag("shard.pubsub.listener.id", "slow")
			.timer()
			.count()).isEqualTo(handled));
	}

	@Test
	void writeOperationRunsAReconcilePass() throws Exception {
		Timer passes = this.meterRegistry.get(ShardSubscriptionMetrics.RECONCILE_PASS).timer();
		long before = passes.count();
		HttpResponse<String> response = this.http.send(HttpRequest.newBuilder(uri("/actuator/shardsubscriptions"))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(204);
		await().atMost(WAIT).until(() -> passes.count() > before);
	}

	private String shardPubSubHealth() throws IOException, InterruptedException {
		return JsonPath.read(get("/actuator/health").body(), "$.components.shardPubSub.status");
	}

	private double moves(RedisNode node) {
		return this.meterRegistry.find(ShardSubscriptionMetrics.MOVES)
			.tag("node", node.address())
			.counters()
			.stream()
			.mapToDouble(Counter::count)
			.sum();
	}

	private long gaps() {
		return this.meterRegistry.find(ShardSubscriptionMetrics.RESUBSCRIBE_GAP)
			.timers()
			.stream()
			.mapToLong(Timer::count)
			.sum();
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return this.http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
	}

	private URI uri(String path) {
		return URI.create("http://localhost:" + this.port + path);
	}

	private RedisNode otherMaster(RedisNode owner) {
		return this.cluster.masters().stream().filter((node) -> !node.equals(owner)).findFirst().orElseThrow();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

		@Bean
		Listeners listeners() {
			return new Listeners();
		}

	}

	static class Listeners {

		final List<String> moving = new CopyOnWriteArrayList<>();

		volatile CountDownLatch release = new CountDownLatch(1);

		@ShardListener(id = "moving", channels = MOVING)
		void moving(String payload) {
			this.moving.add(payload);
		}

		@ShardListener(id = "slow", channels = SLOW)
		void slow(String payload) throws InterruptedException {
			this.release.await(30, TimeUnit.SECONDS);
		}

		@ShardListener(id = "uncovered", channels = UNCOVERED)
		void uncovered(String payload) {
		}

	}

}
