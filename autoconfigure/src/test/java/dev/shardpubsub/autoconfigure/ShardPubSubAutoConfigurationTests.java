package dev.shardpubsub.autoconfigure;

import java.time.Duration;

import io.lettuce.core.cluster.RedisClusterClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.shardpubsub.config.ClusterConfigurationRequiredException;
import dev.shardpubsub.node.NodeSubscriptionClient;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.publish.ShardPublisher;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;
import dev.shardpubsub.test.EmbeddedCluster;
import dev.shardpubsub.test.EmbeddedRedisCluster;
import dev.shardpubsub.topology.TopologyWatcher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ShardPubSubAutoConfiguration}.
 */
@EmbeddedCluster(masters = 3, replicasPerMaster = 0)
class ShardPubSubAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(DataRedisAutoConfiguration.class, ShardPubSubAutoConfiguration.class));

	@Test
	void runWithClusterConfigurationShouldCreateBeans(EmbeddedRedisCluster cluster) {
		this.runner.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(ShardSubscriptionReconciler.class);
				assertThat(context).hasSingleBean(ShardSubscriptions.class);
				assertThat(context).hasSingleBean(TopologyWatcher.class);
				assertThat(context).hasSingleBean(ShardPublisher.class);
				assertThat(context).hasSingleBean(ShardPubSubProperties.class);
				assertThat(context.getBean(TopologyWatcher.class).current().coveredSlots()).isEqualTo(16384);
			});
	}

	@Test
	void runWhenDisabledShouldNotCreateBeans(EmbeddedRedisCluster cluster) {
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"shard-pubsub.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ShardSubscriptions.class);
				assertThat(context).doesNotHaveBean(ShardPublisher.class);
			});
	}

	@Test
	void runWithoutLettuceShouldNotCreateBeans() {
		this.runner.withClassLoader(new FilteredClassLoader(RedisClusterClient.class)).run((context) -> {
			assertThat(context).doesNotHaveBean(ShardSubscriptions.class);
			assertThat(context).doesNotHaveBean(ShardPublisher.class);
		});
	}

	@Test
	void runWithoutClusterConfigurationShouldFailWithAnalysisNamingTheProperty() {
		this.runner.withPropertyValues("spring.data.redis.host=localhost", "spring.data.redis.port=6399")
			.run((context) -> {
				assertThat(context).hasFailed();
				Throwable failure = context.getStartupFailure();
				ClusterConfigurationRequiredException cause = findCause(failure);
				assertThat(cause).isNotNull();
				FailureAnalysis analysis = new ClusterConfigurationRequiredFailureAnalyzer().analyze(failure);
				assertThat(analysis.getDescription()).contains("needs a Redis Cluster")
					.contains("standalone Redis at localhost:6399");
				assertThat(analysis.getAction()).contains("spring.data.redis.cluster.nodes")
					.contains("shard-pubsub.enabled=false");
			});
	}

	@Test
	void runWithInvalidPropertyShouldFailNamingIt(EmbeddedRedisCluster cluster) {
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"shard-pubsub.listener.queue-capacity=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("shard-pubsub.listener.queue-capacity must be at least 1");
			});
	}

	@Test
	void runShouldPingIdleNodeConnectionsEverySecond(EmbeddedRedisCluster cluster) {
		this.runner.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty())
			.run((context) -> assertThat(context.getBean(NodeSubscriptionClient.class))
				.hasFieldOrPropertyWithValue("livenessInterval", Duration.ofSeconds(1)));
	}

	@Test
	void runWithZeroLivenessIntervalShouldDisableThePing(EmbeddedRedisCluster cluster) {
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"shard-pubsub.reconcile.liveness-interval=0")
			.run((context) -> assertThat(context.getBean(NodeSubscriptionClient.class))
				.hasFieldOrPropertyWithValue("livenessInterval", Duration.ZERO));
	}

	@Test
	void runWithNegativeLivenessIntervalShouldFailNamingIt(EmbeddedRedisCluster cluster) {
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"shard-pubsub.reconcile.liveness-interval=-1s")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("shard-pubsub.reconcile.liveness-interval must not be negative"));
	}

	@Test
	void runShouldKeepStandbysAndDropCopiesWithinTwoHundredMillis(EmbeddedRedisCluster cluster) {
		this.runner.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty())
			.run((context) -> {
				ShardSubscriptionReconciler reconciler = context.getBean(ShardSubscriptionReconciler.class);
				assertThat(reconciler.getDeduplicationWindow()).isEqualTo(Duration.ofMillis(500));
				assertThat(reconciler).extracting("standby.enabled").isEqualTo(true);
			});
	}

	@Test
	void runWithStandbyOffAndNoDeduplicationShouldBindBoth(EmbeddedRedisCluster cluster) {
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"shard-pubsub.reconcile.standby=false", "shard-pubsub.reconcile.deduplication-window=0")
			.run((context) -> {
				ShardSubscriptionReconciler reconciler = context.getBean(ShardSubscriptionReconciler.class);
				assertThat(reconciler.getDeduplicationWindow()).isZero();
				assertThat(reconciler).extracting("standby.enabled").isEqualTo(false);
			});
	}

	@Test
	void runWithNegativeDeduplicationWindowShouldFailNamingIt(EmbeddedRedisCluster cluster) {
		this.runner
			.withPropertyValues("spring.data.redis.cluster.nodes=" + cluster.nodesProperty(),
					"shard-pubsub.reconcile.deduplication-window=-1ms")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("shard-pubsub.reconcile.deduplication-window must not be negative"));
	}

	private static ClusterConfigurationRequiredException findCause(Throwable failure) {
		for (Throwable candidate = failure; candidate != null; candidate = candidate.getCause()) {
			if (candidate instanceof ClusterConfigurationRequiredException required) {
				return required;
			}
		}
		return null;
	}

}
