package dev.shardpubsub.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.lettuce.core.cluster.SlotHash;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ChannelSubscription.State;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardSubscriptions;
import dev.shardpubsub.reconcile.ShardSubscriptionReconciler;

/**
 * {@code shardsubscriptions}: every listener with its channels, each with its slot, holding node, state, last
 * message, moves and last resubscribe gap; one listener by id; and a write operation that makes the reconciler go
 * over every slot now.
 * <p>
 * Listeners are those of the {@link ShardListenerEndpointRegistry} (with their message counts; a stopped one lists
 * its channels without state) and any other that subscribed through {@link ShardSubscriptions}.
 */
@Endpoint(id = "shardsubscriptions")
public class ShardSubscriptionsEndpoint {

	private final ShardSubscriptions subscriptions;

	private final @Nullable ShardListenerEndpointRegistry registry;

	private final @Nullable ShardSubscriptionReconciler reconciler;

	/**
	 * Create the endpoint.
	 * @param subscriptions the subscriptions
	 * @param registry the listener containers, or {@code null}
	 * @param reconciler the reconciler, or {@code null} when {@link ShardSubscriptions} is a custom one (the write
	 * operation then fails)
	 */
	public ShardSubscriptionsEndpoint(ShardSubscriptions subscriptions,
			@Nullable ShardListenerEndpointRegistry registry, @Nullable ShardSubscriptionReconciler reconciler) {
		this.subscriptions = subscriptions;
		this.registry = registry;
		this.reconciler = reconciler;
	}

	/**
	 * Describe every listener.
	 * @return the listeners by id
	 */
	@ReadOperation
	public ListenersDescriptor listeners() {
		List<ChannelSubscription> channels = this.subscriptions.channels();
		Set<String> ids = new LinkedHashSet<>();
		if (this.registry != null) {
			ids.addAll(this.registry.getListenerContainerIds());
		}
		channels.forEach((channel) -> ids.addAll(channel.listenerIds()));
		Map<String, ListenerDescriptor> listeners = new LinkedHashMap<>();
		for (String id : ids) {
			listeners.put(id, describe(id, channels));
		}
		return new ListenersDescriptor(listeners);
	}

	/**
	 * Describe one listener.
	 * @param id the listener id
	 * @return the listener, or {@code null} (404) if there is none with that id
	 */
	@ReadOperation
	public @Nullable ListenerDescriptor listener(@Selector String id) {
		List<ChannelSubscription> channels = this.subscriptions.channels();
		ListenerDescriptor listener = describe(id, channels);
		return (listener.running() == null && listener.channels().isEmpty()) ? null : listener;
	}

	/**
	 * Go over every slot now: subscribe what is missing, retry uncovered slots without waiting for their back-off
	 * and refresh the topology. Returns at once; the pass runs on the reconciler's thread.
	 */
	@WriteOperation
	public void reconcile() {
		if (this.reconciler == null) {
			throw new IllegalStateException("No ShardSubscriptionReconciler: the subscriptions are custom");
		}
		this.reconciler.reconcileAll();
	}

	private ListenerDescriptor describe(String id, List<ChannelSubscription> channels) {
		ShardListenerContainer container = (this.registry != null) ? this.registry.getListenerContainer(id) : null;
		List<ChannelDescriptor> described = new ArrayList<>();
		Set<String> seen = new LinkedHashSet<>();
		for (ChannelSubscription channel : channels) {
			if (channel.listenerIds().contains(id)) {
				described.add(ChannelDescriptor.of(channel));
				seen.add(channel.channel());
			}
		}
		if (container != null) {
			for (String channel : container.getChannels()) {
				if (!seen.contains(channel)) {
					described.add(new ChannelDescriptor(channel, SlotHash.getSlot(channel), null, null, null, null, 0,
							null));
				}
			}
			return new ListenerDescriptor(container.isRunning(), container.receivedCount(), container.droppedCount(),
					container.pendingCount(), described);
		}
		return new ListenerDescriptor(null, null, null, null, described);
	}

	/**
	 * Every listener.
	 *
	 * @param listeners the listeners by id
	 */
	public record ListenersDescriptor(Map<String, ListenerDescriptor> listeners) implements OperationResponseBody {
	}

	/**
	 * One listener. The counts are those of a listener container; {@code null} for a listener that subscribed
	 * directly.
	 *
	 * @param running whether its container is running
	 * @param received messages that reached its queues
	 * @param dropped messages dropped because a queue was full
	 * @param pending messages queued or being handled
	 * @param channels its channels
	 */
	public record ListenerDescriptor(@Nullable Boolean running, @Nullable Long received, @Nullable Long dropped,
			@Nullable Long pending, List<ChannelDescriptor> channels) implements OperationResponseBody {
	}

	/**
	 * One channel of a listener. Only {@code channel} and {@code slot} are set while it is not subscribed (its
	 * listener is stopped).
	 *
	 * @param channel the channel
	 * @param slot its hash slot
	 * @param node the node holding its subscription ({@code host:port}), or {@code null}
	 * @param state the state of its subscription
	 * @param stateSince when it entered that state
	 * @param lastMessageAt when its last message arrived, or {@code null}
	 * @param moves how many times its subscription moved
	 * @param lastGap the last resubscribe gap, or {@code null}
	 */
	public record ChannelDescriptor(String channel, int slot, @Nullable String node, @Nullable State state,
			@Nullable Instant stateSince, @Nullable Instant lastMessageAt, long moves, @Nullable Duration lastGap) {

		static ChannelDescriptor of(ChannelSubscription channel) {
			return new ChannelDescriptor(channel.channel(), channel.slot(), channel.node(), channel.state(),
					channel.stateSince(), channel.lastMessageAt(), channel.moves(), channel.lastGap());
		}

	}

}
