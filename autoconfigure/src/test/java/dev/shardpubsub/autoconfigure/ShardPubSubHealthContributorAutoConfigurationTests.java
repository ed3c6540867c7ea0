package dev.shardpubsub.autoconfigure;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.shardpubsub.health.ShardPubSubHealthIndicator;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardMessageSink;
import dev.shardpubsub.listener.ShardSubscriptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ShardPubSubHealthContributorAutoConfiguration}.
 */
class ShardPubSubHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withBean(ShardSubscriptions.class, () -> new OneChannel(Instant.now().minusSeconds(5)))
		.withConfiguration(AutoConfigurations.of(ShardPubSubHealthContributorAutoConfiguration.class));

	@Test
	void runShouldCreateIndicatorNamedShardPubSub() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(ShardPubSubHealthIndicator.class);
			assertThat(context).hasBean("shardPubSubHealthIndicator");
			// Uncovered for 5 s: within the default grace period of 10 s
			assertThat(context.getBean(ShardPubSubHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void runShouldApplyGracePeriod() {
		this.runner.withPropertyValues("shard-pubsub.health.grace-period=2s").run((context) -> {
			ShardPubSubHealthIndicator indicator = context.getBean(ShardPubSubHealthIndicator.class);
			assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
			assertThat(indicator.health().getDetails()).containsEntry("gracePeriod", "PT2S");
		});
	}

	@Test
	void runWithInvalidGracePeriodShouldFailNamingTheProperty() {
		this.runner.withPropertyValues("shard-pubsub.health.grace-period=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("shard-pubsub.health.grace-period must be a positive duration"));
	}

	@Test
	void runWhenDisabledShouldNotCreateIndicator() {
		this.runner.withPropertyValues("management.health.shard-pub-sub.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ShardPubSubHealthIndicator.class));
	}

	@Test
	void runWhenHealthIndicatorsAreDisabledByDefaultShouldNotCreateIndicator() {
		this.runner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ShardPubSubHealthIndicator.class));
	}

	@Test
	void runWithoutActuatorHealthShouldNotCreateIndicator() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ShardPubSubHealthIndicator.class));
	}

	@Test
	void runWithoutShardSubscriptionsShouldNotCreateIndicator() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ShardPubSubHealthContributorAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ShardPubSubHealthIndicator.class));
	}

	@Test
	void runWithUserIndicatorShouldBackOff() {
		this.runner.withBean("shardPubSubHealthIndicator", HealthIndicator.class, () -> () -> null)
			.run((context) -> assertThat(context).doesNotHaveBean(ShardPubSubHealthIndicator.class));
	}

	/**
	 * One channel, uncovered since the given time.
	 */
	record OneChannel(Instant since) implements ShardSubscriptions {

		@Override
		public void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink) {
		}

		@Override
		public void unsubscribe(String listenerId) {
		}

		@Override
		public List<ChannelSubscription> channels() {
			return List.of(new ChannelSubscription("c", 7365, State.UNCOVERED, null, Set.of("l"), this.since, null, 0,
					null));
		}

	}

}
