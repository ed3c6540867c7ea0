package dev.shardpubsub.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.ShardListenerContainer;

/**
 * Message metrics of every listener: received, handled by result, handler duration and queue depth.
 * <p>
 * A {@link MeterBinder}, bound to the meter registry, and a {@link DispatchListener}, so the containers report each
 * handled and dropped message to it. The per-listener meters are registered when bound for the listeners
 * registered by then, and for listeners registered later with their first message. A listener whose invocations
 * are observed (an {@code ObservationRegistry} records them, with their own timer) gets no
 * {@value #HANDLER_DURATION} timer: one timer per message. Tags: {@code listener.id}, {@code result}, and
 * {@code channel} only when enabled (one series per channel is too many for most applications).
 */
public class ShardListenerMetrics implements MeterBinder, DispatchListener {

	/** Messages that reached a listener's queue (including those then dropped). */
	public static final String MESSAGES_RECEIVED = "shard.pubsub.messages.received";

	/** Messages by result: {@code success}, {@code error} (the method threw) or {@code dropped} (queue full). */
	public static final String MESSAGES_HANDLED = "shard.pubsub.messages.handled";

	/** How long listener methods take, with the error handler on failure; not for observed listeners. */
	public static final String HANDLER_DURATION = "shard.pubsub.handler.duration";

	/** Messages queued or being handled, per listener. */
	public static final String QUEUE_DEPTH = "shard.pubsub.dispatch.queue.depth";

	private final ShardListenerEndpointRegistry endpointRegistry;

	private final boolean channelTags;

	private final Map<String, Boolean> boundListeners = new ConcurrentHashMap<>();

	// Meters are looked up once per listener (and channel): registering on every message costs an id and a lookup
	private final Map<MeterKey, Meters> meters = new ConcurrentHashMap<>();

	private volatile @Nullable MeterRegistry meterRegistry;

	/**
	 * Create the metrics.
	 * @param endpointRegistry the registry of the listener containers, for the gauges
	 * @param channelTags whether message meters are also tagged with the channel
	 */
	public ShardListenerMetrics(ShardListenerEndpointRegistry endpointRegistry, boolean channelTags) {
		this.endpointRegistry = endpointRegistry;
		this.channelTags = channelTags;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.meterRegistry = registry;
		for (ShardListenerContainer container : this.endpointRegistry.getListenerContainers()) {
			bindListener(registry, container.getListenerId());
		}
	}

	@Override
	public void onHandled(String listenerId, String channel, Duration duration, boolean success) {
		Meters meters = meters(listenerId, channel);
		if (meters == null) {
			return;
		}
		(success ? meters.success : meters.error).increment();
		if (!meters.timingDecided) {
			// At the first handled message: whether an observation times the messages instead
			meters.decideTiming(!isObserved(listenerId));
		}
		Timer timer = success ? meters.successTimer : meters.errorTimer;
		if (timer != null) {
			timer.record(duration);
		}
	}

	@Override
	public void onDropped(String listenerId, String channel) {
		Meters meters = meters(listenerId, channel);
		if (meters != null) {
			meters.dropped.increment();
		}
	}

	private @Nullable Meters meters(String listenerId, String channel) {
		MeterKey key = new MeterKey(listenerId, this.channelTags ? channel : null);
		Meters existing = this.meters.get(key);
		if (existing != null) {
			return existing;
		}
		MeterRegistry registry = this.meterRegistry;
		if (registry == null) {
			// Not bound yet: nothing to count into
			return null;
		}
		bindListener(registry, listenerId);
		return this.meters.computeIfAbsent(key, (newKey) -> createMeters(registry, newKey));
	}

	private Meters createMeters(MeterRegistry registry, MeterKey key) {
		Tags tags = Tags.of("listener.id", key.listenerId());
		if (key.channel() != null) {
			tags = tags.and("channel", key.channel());
		}
		return new Meters(registry, tags);
	}

	private boolean isObserved(String listenerId) {
		ShardListenerContainer container = this.endpointRegistry.getListenerContainer(listenerId);
		return container != null && container.getAdapter().isObserved();
	}

	private static Counter counter(MeterRegistry registry, Tags tags, String result) {
		return Counter.builder(MESSAGES_HANDLED)
			.description("Messages handled by shard listeners, by result (success, error, dropped on overflow)")
			.tags(tags)
			.tag("result", result)
			.register(registry);
	}

	private static Timer timer(MeterRegistry registry, Tags tags, String result) {
		return Timer.builder(HANDLER_DURATION)
			.description("Duration of shard listener methods")
			.tags(tags)
			.tag("result", result)
			.register(registry);
	}

	private void bindListener(MeterRegistry registry, String listenerId) {
		if (this.boundListeners.putIfAbsent(listenerId, Boolean.TRUE) != null) {
			return;
		}
		Tags tags = Tags.of("listener.id", listenerId);
		FunctionCounter.builder(MESSAGES_RECEIVED, this, (metrics) -> metrics.count(listenerId, true))
			.description("Messages that reached a shard listener's queue, including those then dropped")
			.tags(tags)
			.register(registry);
		Gauge.builder(QUEUE_DEPTH, this, (metrics) -> metrics.count(listenerId, false))
			.description("Messages queued or being handled by a shard listener")
			.tags(tags)
			.register(registry);
	}

	private double count(String listenerId, boolean received) {
		ShardListenerContainer container = this.endpointRegistry.getListenerContainer(listenerId);
		if (container == null) {
			return 0;
		}
		return received ? container.receivedCount() : container.pendingCount();
	}

	private record MeterKey(String listenerId, @Nullable String channel) {
	}

	private static final class Meters {

		final Counter success;

		final Counter error;

		final Counter dropped;

		private final MeterRegistry registry;

		private final Tags tags;

		// Written by the first handlers; a race only decides the same twice (registering returns the same timer)
		volatile boolean timingDecided;

		volatile @Nullable Timer successTimer;

		volatile @Nullable Timer errorTimer;

		Meters(MeterRegistry registry, Tags tags) {
			this.registry = registry;
			this.tags = tags;
			this.success = counter(registry, tags, "success");
			this.error = counter(registry, tags, "error");
			this.dropped = counter(registry, tags, "dropped");
		}

		void decideTiming(boolean timed) {
			if (timed) {
				this.successTimer = timer(this.registry, this.tags, "success");
				this.errorTimer = timer(this.registry, this.tags, "error");
			}
			this.timingDecided = true;
		}

	}

}
