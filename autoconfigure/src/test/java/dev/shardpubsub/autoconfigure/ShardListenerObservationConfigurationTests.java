package dev.shardpubsub.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import io.micrometer.observation.tck.TestObservationRegistryAssert.TestObservationRegistryAssertReturningObservationContextAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.FakeShardSubscriptions;
import dev.shardpubsub.listener.ShardListenerObservation.DefaultShardListenerObservationConvention;
import dev.shardpubsub.listener.ShardListenerObservationContext;
import dev.shardpubsub.listener.ShardListenerObservationConvention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the observation of listener methods that {@link ShardListenerConfiguration} configures.
 */
class ShardListenerObservationConfigurationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final TestObservationRegistry observationRegistry = TestObservationRegistry.create();

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(FakeSubscriptionsConfiguration.class)
		.withBean("orders", CountingOrderListener.class)
		.withConfiguration(AutoConfigurations.of(ShardListenerConfiguration.class));

	@Test
	void runWithObservationRegistryShouldObserveEachHandledMessage() {
		this.runner.withBean(TestObservationRegistry.class, () -> this.observationRegistry).run((context) -> {
			FakeShardSubscriptions subscriptions = context.getBean(FakeShardSubscriptions.class);
			subscriptions.publish("orders", "ok");
			await().atMost(TIMEOUT).untilAsserted(() -> assertObservation()
				.hasBeenStarted()
				.hasBeenStopped()
				.hasContextualNameEqualTo("orders process")
				.hasLowCardinalityKeyValue("shard.pubsub.listener.id", "orders")
				.hasLowCardinalityKeyValue("messaging.system", "redis")
				.hasHighCardinalityKeyValue("messaging.destination.name", "orders")
				.hasHighCardinalityKeyValue("shard.pubsub.node", FakeShardSubscriptions.NODE)
				.doesNotHaveError());
		});
	}

	@Test
	void runWithObservationRegistryShouldRecordTheListenerFailure() {
		this.runner.withBean(TestObservationRegistry.class, () -> this.observationRegistry).run((context) -> {
			context.getBean(FakeShardSubscriptions.class).publish("orders", "boom");
			await().atMost(TIMEOUT).untilAsserted(() -> assertObservation().hasBeenStopped().hasError());
		});
	}

	@Test
	void runWithConventionBeanShouldUseIt() {
		this.runner.withBean(TestObservationRegistry.class, () -> this.observationRegistry)
			.withBean(ShardListenerObservationConvention.class, CustomConvention::new)
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
				await().atMost(TIMEOUT)
					.untilAsserted(() -> assertObservation().hasLowCardinalityKeyValue("team", "orders"));
			});
	}

	@Test
	void runWithBootObservationSupportShouldObserveUnlessDisabledByProperty() {
		ApplicationContextRunner boot = this.runner
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
			.withBean(RecordingHandler.class);
		boot.run((context) -> {
			context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
			await().atMost(TIMEOUT).untilAsserted(() -> assertThat(context.getBean(RecordingHandler.class).names)
				.containsExactly("shard.pubsub.listener"));
		});
		boot.withPropertyValues("management.observations.enable.shard.pubsub=false").run((context) -> {
			context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
			await().atMost(TIMEOUT).until(() -> context.getBean(CountingOrderListener.class).count == 1);
			assertThat(context.getBean(RecordingHandler.class).names).isEmpty();
		});
	}

	@Test
	void runWithoutObservationRegistryShouldNotObserve() {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(ShardListenerEndpointRegistry.class).getListenerContainer("orders").getAdapter()
				.isObserved()).isFalse();
			context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
			await().atMost(TIMEOUT).until(() -> context.getBean(CountingOrderListener.class).count == 1);
		});
	}

	private TestObservationRegistryAssertReturningObservationContextAssert assertObservation() {
		return TestObservationRegistryAssert.assertThat(this.observationRegistry)
			.hasObservationWithNameEqualTo("shard.pubsub.listener")
			.that();
	}

	static class RecordingHandler implements ObservationHandler<Observation.Context> {

		final List<String> names = new CopyOnWriteArrayList<>();

		@Override
		public void onStop(Observation.Context context) {
			this.names.add(context.getName());
		}

		@Override
		public boolean supportsContext(Observation.Context context) {
			return true;
		}

	}

	static class CustomConvention extends DefaultShardListenerObservationConvention {

		@Override
		public KeyValues getLowCardinalityKeyValues(ShardListenerObservationContext context) {
			return super.getLowCardinalityKeyValues(context).and("team", "orders");
		}

	}

}
