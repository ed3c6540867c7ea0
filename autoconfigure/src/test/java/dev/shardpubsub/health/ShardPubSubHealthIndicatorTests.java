package dev.shardpubsub.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.cluster.SlotHash;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardMessageSink;
import dev.shardpubsub.listener.ShardSubscriptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ShardPubSubHealthIndicator}.
 */
class ShardPubSubHealthIndicatorTests {

	private static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");

	private static final Duration GRACE = Duration.ofSeconds(10);

	private final Channels channels = new Channels();

	private final ShardPubSubHealthIndicator indicator = new ShardPubSubHealthIndicator(this.channels, GRACE,
			Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void upWithoutChannels() {
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("channels", 0).containsEntry("pendingSlots", 0);
	}

	@Test
	void upWhenEveryChannelIsSubscribedWithCountsPerState() {
		this.channels.add("a", State.SUBSCRIBED, NOW.minus(Duration.ofHours(1)));
		this.channels.add("b", State.SUBSCRIBED, NOW.minus(Duration.ofHours(1)));
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("channels", 2)
			.containsEntry("states", Map.of(State.PENDING, 0, State.SUBSCRIBED, 2, State.MOVING, 0, State.UNCOVERED, 0))
			.containsEntry("gracePeriod", "PT10S")
			.doesNotContainKey("pending");
	}

	@Test
	void upWhileChannelsWaitForLessThanTheGracePeriodWithThePendingSlots() {
		this.channels.add("a", State.SUBSCRIBED, NOW.minus(Duration.ofHours(1)));
		this.channels.add("moving:{m}", State.MOVING, NOW.minus(Duration.ofSeconds(9)));
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("pendingSlots", 1);
		assertThat(health.getDetails().get("pending")).asInstanceOf(InstanceOfAssertFactories.LIST)
			.containsExactly(Map.of("slot", SlotHash.getSlot("moving:{m}"), "state", State.MOVING, "since",
					NOW.minus(Duration.ofSeconds(9)).toString(), "channels", 1));
	}

	@Test
	void downWhenAChannelIsWithoutSubscriptionLongerThanTheGracePeriod() {
		this.channels.add("a", State.SUBSCRIBED, NOW.minus(Duration.ofHours(1)));
		this.channels.add("late:{x}", State.UNCOVERED, NOW.minus(Duration.ofSeconds(11)));
		this.channels.add("late2:{x}", State.UNCOVERED, NOW.minus(Duration.ofSeconds(11)));
		this.channels.add("new:{y}", State.PENDING, NOW.minus(Duration.ofSeconds(1)));
		Health health = this.indicator.health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("pendingSlots", 2);
		// Oldest first; both channels of the uncovered slot counted once
		assertThat(health.getDetails().get("pending")).asInstanceOf(InstanceOfAssertFactories.LIST)
			.containsExactly(
					Map.of("slot", SlotHash.getSlot("x"), "state", State.UNCOVERED, "since",
							NOW.minus(Duration.ofSeconds(11)).toString(), "channels", 2),
					Map.of("slot", SlotHash.getSlot("y"), "state", State.PENDING, "since",
							NOW.minus(Duration.ofSeconds(1)).toString(), "channels", 1));
	}

	@Test
	void pendingDetailsAreLimited() {
		for (int i = 0; i < 100; i++) {
			this.channels.add("c" + i, State.PENDING, NOW.minus(Duration.ofSeconds(i)));
		}
		Health health = this.indicator.health();
		assertThat(health.getDetails().get("pending")).asInstanceOf(InstanceOfAssertFactories.LIST)
			.hasSize(ShardPubSubHealthIndicator.MAX_SLOT_DETAILS);
	}

	/**
	 * Channels in given states.
	 */
	static class Channels implements ShardSubscriptions {

		private final List<ChannelSubscription> channels = new ArrayList<>();

		void add(String channel, State state, Instant since) {
			this.channels.add(new ChannelSubscription(channel, SlotHash.getSlot(channel), state,
					(state == State.SUBSCRIBED) ? "127.0.0.1:7000" : null, Set.of("l"), since, null, 0, null));
		}

		@Override
		public void subscribe(String listenerId, Collection<String> channels, ShardMessageSink sink) {
		}

		@Override
		public void unsubscribe(String listenerId) {
		}

		@Override
		public List<ChannelSubscription> channels() {
			return List.copyOf(this.channels);
		}

	}

}
