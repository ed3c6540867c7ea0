package dev.shardpubsub.integration;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.test.RedisNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A frozen master ({@code SIGSTOP}: its sockets stay open, it answers nothing) is noticed by the liveness
 * {@code PING} of the idle subscription connection, with Boot's default {@code spring.data.redis.timeout}: the
 * subscription moves to the shard's replica and hears the messages published once it is promoted, while the old
 * master is still frozen.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 1, nodeTimeoutMillis = 1000)
@SpringBootTest(classes = FrozenMasterIntegrationTests.App.class)
class FrozenMasterIntegrationTests {

	private static final Log logger = LogFactory.getLog(FrozenMasterIntegrationTests.class);

	/** Well below the 60 s that the topology refresh takes to give up on a frozen node. */
	private static final Duration WAIT = Duration.ofSeconds(15);

	@Autowired
	private ShardSubscriptions subscriptions;

	private final List<SubscriptionMovedEvent> moves = new CopyOnWriteArrayList<>();

	private final EmbeddedRedisCluster cluster;

	private final SequenceRecorder recorder = new SequenceRecorder();

	FrozenMasterIntegrationTests(EmbeddedRedisCluster cluster) {
		this.cluster = cluster;
	}

	@BeforeEach
	void clusterIsHealthy(@Autowired ConfigurableApplicationContext context) {
		this.cluster.awaitAgreement();
		context.addApplicationListener((ApplicationEvent event) -> {
			if (event instanceof SubscriptionMovedEvent moved) {
				this.moves.add(moved);
			}
		});
	}

	@Test
	void subscriptionOnFrozenMasterMovesToPromotedReplica() {
		RedisNode master = this.cluster.masters().get(0);
		String channel = channelOwnedBy(master, "frozen");
		this.subscriptions.subscribe("frozen", List.of(channel), this.recorder);
		await().atMost(WAIT).untilAsserted(() -> assertThat(state(channel).state()).isEqualTo(State.SUBSCRIBED));
		assertThat(state(channel).node()).isEqualTo(master.address());
		long pausedAt = System.nanoTime();
		this.cluster.operations().pause(master);
		try {
			RedisNode promoted = this.cluster.operations().awaitFailoverOf(master, WAIT);
			long promotedMillis = millisSince(pausedAt);
			// Straight to the new master: the application's publisher routes by the cluster client's own view.
			AtomicInteger sent = new AtomicInteger();
			await().atMost(WAIT).pollInterval(Duration.ofMillis(25)).until(() -> {
				promoted.execute("SPUBLISH", channel, "after-promotion-" + sent.incrementAndGet());
				return !this.recorder.received(channel).isEmpty();
			});
			long receivedMillis = millisSince(pausedAt);
			assertThat(master.isPaused()).isTrue();
			assertThat(receivedMillis).isLessThan(WAIT.toMillis());
			assertThat(this.recorder.received(channel)).allMatch((payload) -> payload.startsWith("after-promotion-"));
			// On Redis 7.2+ the promoted replica's push makes the standby deliver at once; the subscription is
			// recorded there when the topology shows the frozen master failed over.
			await().atMost(WAIT).untilAsserted(() -> assertThat(state(channel).node()).isEqualTo(promoted.address()));
			SubscriptionMovedEvent move = await().atMost(WAIT)
				.until(() -> this.moves.stream().filter((event) -> event.getChannels().contains(channel)).findFirst(),
						Optional::isPresent)
				.orElseThrow();
			assertThat(move.getFrom()).hasToString(master.address());
			assertThat(move.getTo()).hasToString(promoted.address());
			long detectedMillis = TimeUnit.NANOSECONDS.toMillis(move.getDetectedNanos() - pausedAt);
			logger.info("After SIGSTOP of " + master + ": " + promoted + " promoted by " + promotedMillis
					+ " ms, frozen connection detected at " + detectedMillis + " ms, subscription moved at "
					+ (detectedMillis + move.getGap().toMillis()) + " ms, first message published on the new master"
					+ " received at " + receivedMillis + " ms (" + sent.get() + " sent)");
		}
		finally {
			this.cluster.operations().resume(master);
			this.cluster.awaitAgreement();
		}
	}

	private ChannelSubscription state(String channel) {
		return this.subscriptions.channels()
			.stream()
			.filter((state) -> state.channel().equals(channel))
			.findFirst()
			.orElseThrow();
	}

	private String channelOwnedBy(RedisNode master, String prefix) {
		for (int i = 0;; i++) {
			String candidate = prefix + ":{" + i + "}";
			if (this.cluster.ownerOfChannel(candidate).equals(master)) {
				return candidate;
			}
		}
	}

	private static long millisSince(long startNanos) {
		return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
