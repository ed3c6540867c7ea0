package dev.shardpubsub.autoconfigure;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.shardpubsub.actuate.ShardSubscriptionsEndpoint;
import dev.shardpubsub.actuate.ShardSubscriptionsEndpoint.ChannelDescriptor;
import dev.shardpubsub.actuate.ShardSubscriptionsEndpoint.ListenerDescriptor;
import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.FakeShardSubscriptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ShardSubscriptionsEndpointAutoConfiguration}.
 */
class ShardSubscriptionsEndpointAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(FakeSubscriptionsConfiguration.class)
		.withConfiguration(AutoConfigurations.of(ShardListenerConfiguration.class,
				ShardSubscriptionsEndpointAutoConfiguration.class));

	@Test
	void runWhenExposedShouldCreateEndpointOverTheRegistry() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=shardsubscriptions")
			.withBean("listeners", TwoListeners.class)
			.run((context) -> {
				assertThat(context).hasSingleBean(ShardSubscriptionsEndpoint.class);
				ShardSubscriptionsEndpoint endpoint = context.getBean(ShardSubscriptionsEndpoint.class);
				context.getBean(FakeShardSubscriptions.class).publish("running:{r}", "m");
				ListenerDescriptor running = endpoint.listener("running");
				assertThat(running.running()).isTrue();
				assertThat(running.received()).isEqualTo(1);
				assertThat(running.dropped()).isZero();
				assertThat(running.channels()).singleElement()
					.satisfies((channel) -> assertThat(channel.state()).isEqualTo(State.SUBSCRIBED));
				// A stopped listener still shows its channels, without a subscription state
				ListenerDescriptor stopped = endpoint.listener("stopped");
				assertThat(stopped.running()).isFalse();
				assertThat(stopped.channels()).containsExactly(new ChannelDescriptor("stopped:{s}",
						SlotHash.getSlot("s"), null, null, null, null, 0, null));
				assertThat(endpoint.listeners().listeners()).containsOnlyKeys("running", "stopped");
			});
	}

	@Test
	void runWhenNotExposedShouldNotCreateEndpoint() {
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(ShardSubscriptionsEndpoint.class));
	}

	@Test
	void runWhenAccessIsNoneShouldNotCreateEndpoint() {
		this.runner
			.withPropertyValues("management.endpoints.web.exposure.include=shardsubscriptions",
					"management.endpoint.shardsubscriptions.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(ShardSubscriptionsEndpoint.class));
	}

	@Test
	void runWithoutActuatorShouldNotCreateEndpoint() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=shardsubscriptions")
			.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ShardSubscriptionsEndpoint.class));
	}

	@Test
	void runWithoutShardSubscriptionsShouldNotCreateEndpoint() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ShardSubscriptionsEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=shardsubscriptions")
			.run((context) -> assertThat(context).doesNotHaveBean(ShardSubscriptionsEndpoint.class));
	}

	static class TwoListeners {

		@ShardListener(id = "running", channels = "running:{r}")
		void running(String payload) {
		}

		@ShardListener(id = "stopped", channels = "stopped:{s}", autoStartup = "false")
		void stopped(String payload) {
		}

	}

}
