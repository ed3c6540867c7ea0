package dev.shardpubsub.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.event.MoveReason;
import dev.shardpubsub.event.SubscriptionFailedEvent;
import dev.shardpubsub.event.SubscriptionMovedEvent;
import dev.shardpubsub.listener.FakeShardSubscriptions;
import dev.shardpubsub.metrics.ShardListenerMetrics;
import dev.shardpubsub.metrics.ShardSubscriptionMetrics;
import dev.shardpubsub.cluster.NodeAddress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ShardPubSubMetricsAutoConfiguration}.
 */
class ShardPubSubMetricsAutoConfigurationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(FakeSubscriptionsConfiguration.class)
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
				SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
				ShardListenerConfiguration.class, ShardPubSubMetricsAutoConfiguration.class));

	@Test
	void runShouldCountHandledMessagesByResultPerListener() {
		this.runner.withBean("orders", CountingOrderListener.class).run((context) -> {
			assertThat(context).hasSingleBean(ShardListenerMetrics.class);
			assertThat(context).hasSingleBean(ShardSubscriptionMetrics.class);
			FakeShardSubscriptions subscriptions = context.getBean(FakeShardSubscriptions.class);
			subscriptions.publish("orders", "ok");
			subscriptions.publish("orders", "ok");
			subscriptions.publish("orders", "boom");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			await().atMost(TIMEOUT).untilAsserted(() -> {
				assertThat(handled(registry, "success")).isEqualTo(2);
				assertThat(handled(registry, "error")).isEqualTo(1);
			});
			assertThat(registry.get(ShardListenerMetrics.HANDLER_DURATION)
				.tags("listener.id", "orders", "result", "success")
				.timer()
				.count()).isEqualTo(2);
			assertThat(registry.get(ShardListenerMetrics.MESSAGES_RECEIVED)
				.tag("listener.id", "orders")
				.functionCounter()
				.count()).isEqualTo(3);
			assertThat(registry.get(ShardListenerMetrics.QUEUE_DEPTH).tag("listener.id", "orders").gauge().value())
				.isZero();
			// Without channel-tags, no series per channel
			assertThat(registry.find(ShardListenerMetrics.MESSAGES_HANDLED).tagKeys("channel").meters()).isEmpty();
		});
	}

	@Test
	void runShouldRegisterListenerGaugesBeforeTheFirstMessage() {
		this.runner.withBean("orders", CountingOrderListener.class).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find(ShardListenerMetrics.QUEUE_DEPTH).tag("listener.id", "orders").gauge())
				.isNotNull();
			assertThat(registry.get(ShardListenerMetrics.MESSAGES_RECEIVED)
				.tag("listener.id", "orders")
				.functionCounter()
				.count()).isZero();
		});
	}

	@Test
	void runWithObservationRegistryShouldLeaveTheTimingToTheObservation() {
		this.runner.withBean("orders", CountingOrderListener.class)
			.withBean(TestObservationRegistry.class, TestObservationRegistry::create)
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().atMost(TIMEOUT).untilAsserted(() -> assertThat(handled(registry, "success")).isEqualTo(1));
				assertThat(registry.find(ShardListenerMetrics.HANDLER_DURATION).meters()).isEmpty();
				TestObservationRegistryAssert.assertThat(context.getBean(TestObservationRegistry.class))
					.hasNumberOfObservationsWithNameEqualTo("shard.pubsub.listener", 1);
			});
	}

	@Test
	void runWithTheListenerObservationDisabledShouldTimeTheMessages() {
		this.runner.withBean("orders", CountingOrderListener.class)
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class))
			.withPropertyValues("management.observations.enable.shard.pubsub=false")
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().atMost(TIMEOUT).untilAsserted(() -> assertThat(registry.get(ShardListenerMetrics.HANDLER_DURATION)
					.tags("listener.id", "orders", "result", "success")
					.timer()
					.count()).isEqualTo(1));
			});
	}

	@Test
	void runWithChannelTagsShouldTagMessageMetersWithTheChannel() {
		this.runner.withBean("orders", CountingOrderListener.class)
			.withPropertyValues("shard-pubsub.metrics.channel-tags=true")
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().atMost(TIMEOUT)
					.untilAsserted(() -> assertThat(registry.get(ShardListenerMetrics.MESSAGES_HANDLED)
						.tags("listener.id", "orders", "channel", "orders", "result", "success")
						.counter()
						.count()).isEqualTo(1));
			});
	}

	@Test
	void runShouldGaugeChannelsByState() {
		this.runner.withBean("orders", CountingOrderListener.class).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get(ShardSubscriptionMetrics.SUBSCRIPTIONS).tag("state", "subscribed").gauge().value())
				.isEqualTo(1);
			assertThat(registry.get(ShardSubscriptionMetrics.SUBSCRIPTIONS).tag("state", "uncovered").gauge().value())
				.isZero();
			assertThat(registry.get(ShardSubscriptionMetrics.UNCOVERED_SLOTS).gauge().value()).isZero();
		});
	}

	@Test
	void runShouldCountMovesFailuresAndGapsFromEvents() {
		Map<String, Boolean> percentileHistogram = new ConcurrentHashMap<>();
		this.runner.withBean(MeterFilter.class, () -> new MeterFilter() {

			@Override
			public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
				percentileHistogram.put(id.getName(), Boolean.TRUE.equals(config.isPercentileHistogram()));
				return config;
			}

		}).run((context) -> {
			NodeAddress from = new NodeAddress("127.0.0.1", 7000);
			NodeAddress to = new NodeAddress("127.0.0.1", 7001);
			context.publishEvent(new SubscriptionMovedEvent(this, 42, List.of("a", "b"), from, to,
					Duration.ofMillis(3), MoveReason.SERVER_PUSH, System.nanoTime()));
			context.publishEvent(new SubscriptionFailedEvent(this, 43, List.of("c"), null, "no node serves slot 43",
					Duration.ofMillis(50), 1, System.nanoTime()));
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get(ShardSubscriptionMetrics.MOVES)
				.tags("reason", "server_push", "node", "127.0.0.1:7001")
				.counter()
				.count()).isEqualTo(1);
			Timer gap = registry.get(ShardSubscriptionMetrics.RESUBSCRIBE_GAP).tag("reason", "server_push").timer();
			assertThat(gap.count()).isEqualTo(1);
			assertThat(gap.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3);
			// Buckets, so that percentiles can be computed by the backend (the simple registry has none)
			assertThat(percentileHistogram).containsEntry(ShardSubscriptionMetrics.RESUBSCRIBE_GAP, true);
			assertThat(registry.get(ShardSubscriptionMetrics.FAILURES).tag("node", "none").counter().count())
				.isEqualTo(1);
		});
	}

	@Test
	void runWithMeterFilterPropertyShouldDisableTheMeters() {
		this.runner.withBean("orders", CountingOrderListener.class)
			.withPropertyValues("management.metrics.enable.shard.pubsub=false")
			.run((context) -> {
				context.getBean(FakeShardSubscriptions.class).publish("orders", "ok");
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				await().atMost(TIMEOUT)
					.until(() -> context.getBean(CountingOrderListener.class).count == 1);
				assertThat(registry.find(ShardListenerMetrics.MESSAGES_HANDLED).meters()).isEmpty();
				assertThat(registry.find(ShardSubscriptionMetrics.SUBSCRIPTIONS).meters()).isEmpty();
			});
	}

	@Test
	void runWithoutMeterRegistryShouldNotCreateMetrics() {
		new ApplicationContextRunner().withUserConfiguration(FakeSubscriptionsConfiguration.class)
			.withConfiguration(AutoConfigurations.of(ShardListenerConfiguration.class,
					ShardPubSubMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ShardSubscriptionMetrics.class);
				assertThat(context).doesNotHaveBean(ShardListenerMetrics.class);
			});
	}

	@Test
	void runWithoutMicrometerShouldNotCreateMetrics() {
		new ApplicationContextRunner().withUserConfiguration(FakeSubscriptionsConfiguration.class)
			.withBean(SimpleMeterRegistry.class)
			.withConfiguration(AutoConfigurations.of(ShardListenerConfiguration.class,
					ShardPubSubMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ShardSubscriptionMetrics.class);
				assertThat(context).doesNotHaveBean(ShardListenerMetrics.class);
			});
	}

	@Test
	void runWithoutShardSubscriptionsShouldNotCreateMetrics() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
					ShardPubSubMetricsAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(ShardSubscriptionMetrics.class);
			});
	}

	private static double handled(MeterRegistry registry, String result) {
		return registry.get(ShardListenerMetrics.MESSAGES_HANDLED)
			.tags("listener.id", "orders", "result", result)
			.counter()
			.count();
	}

}
