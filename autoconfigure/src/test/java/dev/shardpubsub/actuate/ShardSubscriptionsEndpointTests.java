package dev.shardpubsub.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Set;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import dev.shardpubsub.actuate.ShardSubscriptionsEndpoint.ChannelDescriptor;
import dev.shardpubsub.actuate.ShardSubscriptionsEndpoint.ListenerDescriptor;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardMessageSink;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;

/**
 * Tests for {@link ShardSubscriptionsEndpoint}.
 */
class ShardSubscriptionsEndpointTests {

	private static final Instant SINCE = Instant.parse("2025-01-01T12:00:00Z");

	@Test
	void listenersShowEachChannelWithSlotNodeStateMovesAndGap() {
		ShardSubscriptions subscriptions = new Fixed(
				new ChannelSubscription("a", SlotHash.getSlot("a"), State.SUBSCRIBED, "127.0.0.1:7001",
						Set.of("one", "two"), SINCE, SINCE.plusSeconds(1), 2, Duration.ofMillis(4)),
				new ChannelSubscription("b", SlotHash.getSlot("b"), State.UNCOVERED, null, Set.of("two"), SINCE, null,
						0, null));
		ShardSubscriptionsEndpoint endpoint = new ShardSubscriptionsEndpoint(subscriptions, null, null);
		assertThat(endpoint.listeners().listeners()).containsOnlyKeys("one", "two");
		ListenerDescriptor two = endpoint.listeners().listeners().get("two");
		assertThat(two.running()).isNull();
		assertThat(two.channels()).containsExactly(
				new ChannelDescriptor("a", SlotHash.getSlot("a"), "127.0.0.1:7001", State.SUBSCRIBED, SINCE,
						SINCE.plusSeconds(1), 2, Duration.ofMillis(4)),
				new ChannelDescriptor("b", SlotHash.getSlot("b"), null, State.UNCOVERED, SINCE, null, 0, null));
		assertThat(endpoint.listener("one").channels()).extracting(ChannelDescriptor::channel).containsExactly("a");
		assertThat(endpoint.listener("unknown")).isNull();
	}

	@Test
	void reconcileAsksTheReconcilerForAPassOverEverySlot() {
		ShardSubscriptionReconciler reconciler = mock(ShardSubscriptionReconciler.class);
		new ShardSubscriptionsEndpoint(new Fixed(), null, reconciler).reconcile();
		verify(reconciler).reconcileAll();
	}

	@Test
	void reconcileWithoutReconcilerFails() {
		assertThatIllegalStateException()
			.isThrownBy(() -> new ShardSubscriptionsEndpoint(new Fixed(), null, null).reconcile())
			.withMessageContaining("No ShardSubscriptionReconciler");
	}

	record Fixed(List<ChannelSubscription> channels) implements ShardSubscriptions {

		Fixed(ChannelSubscription... channels) {
			this(List.of(channels));
		}

		@Override
		public void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink) {
		}

		@Override
		public void unsubscribe(String listenerId) {
		}

	}

}
