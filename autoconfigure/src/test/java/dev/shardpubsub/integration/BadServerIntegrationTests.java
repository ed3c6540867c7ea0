package dev.shardpubsub.integration;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import dev.shardpubsub.config.ClusterModeDisabledException;
import dev.shardpubsub.event.SubscriptionFailedEvent;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.test.EmbeddedRedisCluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * Servers that cannot do sharded pub/sub: a standalone Redis named as a cluster node fails the start with a
 * failure analysis, and a cluster without {@code SSUBSCRIBE} (as Redis before 7.0, simulated with
 * {@code rename-command}) reports that clearly for every channel.
 */
@ExtendWith(OutputCaptureExtension.class)
class BadServerIntegrationTests {

	@Test
	void standaloneRedisAsClusterNodeFailsTheStartNamingThePropertyAndClusterMode(CapturedOutput output)
			throws Exception {
		try (StandaloneRedis standalone = StandaloneRedis.start()) {
			assertThatException()
				.isThrownBy(() -> RecordingApp.run("spring.data.redis.cluster.nodes=" + standalone.address(),
						"test.channels=orders:{eu}"))
				.satisfies((failure) -> assertThat(failure).hasCauseInstanceOf(ClusterModeDisabledException.class)
					.cause()
					.hasMessageContaining(standalone.address()));
			// Printed by Spring Boot's failure analysis, as the user sees it.
			assertThat(output).contains("APPLICATION FAILED TO START")
				.contains("Shard Pub/Sub (SSUBSCRIBE / SPUBLISH) needs a Redis Cluster, but the Redis node(s) "
						+ "configured in spring.data.redis.cluster.nodes [" + standalone.address()
						+ "] are not cluster nodes: they answered 'ERR This instance has cluster support disabled'")
				.contains("Point spring.data.redis.cluster.nodes at the nodes of a Redis Cluster")
				.contains("'cluster-enabled yes'");
		}
	}

	@Test
	void clusterWithoutSsubscribeReportsThatRedis7IsNeededAndKeepsPublishing(CapturedOutput output) {
		try (EmbeddedRedisCluster cluster = EmbeddedRedisCluster.builder()
			.masters(1)
			.replicasPerMaster(0)
			.config("rename-command", "SSUBSCRIBE \"\"")
			.start();
				ConfigurableApplicationContext context = RecordingApp.run(
						"spring.data.redis.cluster.nodes=" + cluster.nodesProperty(), "test.channels=orders:{eu}",
						"shard-pubsub.reconcile.retry-initial-interval=200ms")) {
			RecordingApp.Recorder recorder = RecordingApp.recorder(context);
			await().atMost(Duration.ofSeconds(20))
				.until(() -> !recorder.events(SubscriptionFailedEvent.class).isEmpty());
			SubscriptionFailedEvent failure = recorder.events(SubscriptionFailedEvent.class).get(0);
			assertThat(failure.getChannels()).containsExactly("orders:{eu}");
			assertThat(failure.getReason()).startsWith("SSUBSCRIBE is not available on " + cluster.nodesProperty())
				.contains("ERR unknown command 'SSUBSCRIBE'")
				.contains("sharded pub/sub needs Redis 7.0 or newer");
			assertThat(failure.willRetry()).isTrue();
			assertThat(RecordingApp.state(context, "orders:{eu}").state()).isNotEqualTo(
					ChannelSubscription.State.SUBSCRIBED);
			assertThat(output).contains("WARN")
				.contains("Could not subscribe 1 channel(s) of slot " + cluster.slotOf("orders:{eu}") + " on "
						+ cluster.nodesProperty() + ": SSUBSCRIBE is not available")
				.contains("Redis 7.0 or newer");
			// Logged once per slot, not once per retry.
			await().pollDelay(Duration.ofMillis(700)).until(() -> recorder.events(SubscriptionFailedEvent.class).size() > 1);
			assertThat(output.getOut().lines().filter((line) -> line.contains("SSUBSCRIBE is not available"))).hasSize(1);
			// The rest of the application is unaffected: SPUBLISH still works.
			assertThat(context.getBean(ShardPublisher.class).publish("orders:{eu}",
					"x".getBytes(StandardCharsets.UTF_8))).isZero();
		}
	}

}
