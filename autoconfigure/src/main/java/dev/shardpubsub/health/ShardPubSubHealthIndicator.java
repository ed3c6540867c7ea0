package dev.shardpubsub.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.Assert;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardSubscriptions;

/**
 * Health of the shard subscriptions: {@code UP} while every channel is subscribed, or has been without a
 * subscription (pending, moving or uncovered) for less than the grace period; {@code DOWN} once a channel has been
 * without one for longer.
 * <p>
 * Details: the number of channels in each state and the slots waiting for a subscription (oldest first, at most
 * {@value #MAX_SLOT_DETAILS}), each with its state and since when. "Since when" is when the slot entered its
 * current state: a slot that was moving and is now uncovered counts from the second.
 */
public class ShardPubSubHealthIndicator extends AbstractHealthIndicator {

	static final int MAX_SLOT_DETAILS = 20;

	private final ShardSubscriptions subscriptions;

	private final Duration gracePeriod;

	private final Clock clock;

	/**
	 * Create an indicator.
	 * @param subscriptions the subscriptions
	 * @param gracePeriod how long a channel may be without a subscription before the status is {@code DOWN}
	 */
	public ShardPubSubHealthIndicator(ShardSubscriptions subscriptions, Duration gracePeriod) {
		this(subscriptions, gracePeriod, Clock.systemUTC());
	}

	ShardPubSubHealthIndicator(ShardSubscriptions subscriptions, Duration gracePeriod, Clock clock) {
		super("Shard subscription health check failed");
		Assert.notNull(subscriptions, "subscriptions must not be null");
		Assert.notNull(gracePeriod, "gracePeriod must not be null");
		this.subscriptions = subscriptions;
		this.gracePeriod = gracePeriod;
		this.clock = clock;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		List<ChannelSubscription> channels = this.subscriptions.channels();
		Instant overdueBefore = this.clock.instant().minus(this.gracePeriod);
		Map<State, Integer> states = new EnumMap<>(State.class);
		for (State state : State.values()) {
			states.put(state, 0);
		}
		Map<Integer, PendingSlot> pending = new TreeMap<>();
		boolean overdue = false;
		for (ChannelSubscription channel : channels) {
			states.merge(channel.state(), 1, Integer::sum);
			if (channel.state() != State.SUBSCRIBED) {
				overdue |= channel.stateSince().isBefore(overdueBefore);
				pending.computeIfAbsent(channel.slot(), (slot) -> new PendingSlot(slot, channel.state(),
						channel.stateSince()))
					.add(channel);
			}
		}
		builder.status(overdue ? Status.DOWN : Status.UP);
		builder.withDetail("channels", channels.size());
		builder.withDetail("states", states);
		builder.withDetail("gracePeriod", this.gracePeriod.toString());
		builder.withDetail("pendingSlots", pending.size());
		if (!pending.isEmpty()) {
			builder.withDetail("pending", pending.values()
				.stream()
				.sorted(Comparator.comparing(PendingSlot::since))
				.limit(MAX_SLOT_DETAILS)
				.map(PendingSlot::describe)
				.toList());
		}
	}

	/**
	 * A slot whose channels wait for a subscription.
	 */
	private static final class PendingSlot {

		private final int slot;

		private State state;

		private Instant since;

		private int channels;

		PendingSlot(int slot, State state, Instant since) {
			this.slot = slot;
			this.state = state;
			this.since = since;
		}

		void add(ChannelSubscription channel) {
			this.channels++;
			if (channel.stateSince().isBefore(this.since)) {
				this.state = channel.state();
				this.since = channel.stateSince();
			}
		}

		Instant since() {
			return this.since;
		}

		Map<String, Object> describe() {
			Map<String, Object> details = new LinkedHashMap<>();
			details.put("slot", this.slot);
			details.put("state", this.state);
			details.put("since", this.since.toString());
			details.put("channels", this.channels);
			return details;
		}

	}

}
