package dev.shardpubsub.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextRefreshedEvent;

import dev.shardpubsub.config.ShardListenerEndpointRegistry;
import dev.shardpubsub.listener.DispatchListener;
import dev.shardpubsub.listener.ShardListenerContainer;

/**
 * Message metrics of every listener: received, handled by result, handler duration and queue depth.
 * <p>
 * A {@link DispatchListener}, so the registry's containers report each handled and dropped message to it; the
 * per-listener gauges are registered once the context is refreshed, and for listeners registered later with their
 * first message. Tags: {@code listener.id}, {@code result}, and {@code channel} only when enabled (one series per
 * channel is too many for most applications).
 */
public class ShardListenerMetrics implements DispatchListener, ApplicationListener<ContextRefreshedEvent> {

	/** Messages that reached a listener's queue (including those then dropped). */
	public static final String MESSAGES_RECEIVED = "shard.pubsub.messages.received";

	/** Messages by result: {@code success}, {@code error} (the method threw) or {@code dropped} (queue full). */
	public static final String MESSAGES_HANDLED = "shard.pubsub.messages.handled";

	/** How long listener methods take, with the error handler on failure. */
	public static final String HANDLER_DURATION = "shard.pubsub.handler.duration";

	/** Messages queued or being handled, per listener. */
	public static final String QUEUE_DEPTH = "shard.pubsub.dispatch.queue.depth";

	private final MeterRegistry meterRegistry;

	private final Supplier<ShardListenerEndpointRegistry> endpointRegistry;

	private final boolean channelTags;

	private final Map<String, Boolean> boundListeners = new ConcurrentHashMap<>();

	// Meters are looked up once per listener (and channel): registering on every message costs an id and a lookup
	private final Map<MeterKey, Meters> meters = new ConcurrentHashMap<>();

	/**
	 * Create the metrics.
	 * @param meterRegistry where to register the meters
	 * @param endpointRegistry supplies the registry of the listener containers, for the gauges; called late, so
	 * that this listener can be given to the registry when it is created
	 * @param channelTags whether message meters are also tagged with the channel
	 */
	public ShardListenerMetrics(MeterRegistry meterRegistry, Supplier<ShardListenerEndpointRegistry> endpointRegistry,
			boolean channelTags) {
		this.meterRegistry = meterRegistry;
		this.endpointRegistry = endpointRegistry;
		this.channelTags = channelTags;
	}

	@Override
	public void onHandled(String listenerId, String channel, Duration duration, boolean success) {
		Meters meters = meters(listenerId, channel);
		if (success) {
			meters.success.increment();
			meters.successDuration.record(duration);
		}
		else {
			meters.error.increment();
			meters.errorDuration.record(duration);
		}
	}

	@Override
	public void onDropped(String listenerId, String channel) {
		meters(listenerId, channel).dropped.increment();
	}

	@Override
	public void onApplicationEvent(ContextRefreshedEvent event) {
		for (ShardListenerContainer container : this.endpointRegistry.get().getListenerContainers()) {
			bindListener(container.getListenerId());
		}
	}

	private Meters meters(String listenerId, String channel) {
		MeterKey key = new MeterKey(listenerId, this.channelTags ? channel : null);
		Meters existing = this.meters.get(key);
		if (existing != null) {
			return existing;
		}
		bindListener(listenerId);
		return this.meters.computeIfAbsent(key, this::createMeters);
	}

	private Meters createMeters(MeterKey key) {
		Tags tags = Tags.of("listener.id", key.listenerId());
		if (key.channel() != null) {
			tags = tags.and("channel", key.channel());
		}
		return new Meters(counter(tags, "success"), counter(tags, "error"), counter(tags, "dropped"),
				timer(tags, "success"), timer(tags, "error"));
	}

	private Counter counter(Tags tags, String result) {
		return Counter.builder(MESSAGES_HANDLED)
			.description("Messages handled by shard listeners, by result (success, error, dropped on overflow)")
			.tags(tags)
			.tag("result", result)
			.register(this.meterRegistry);
	}

	private Timer timer(Tags tags, String result) {
		return Timer.builder(HANDLER_DURATION)
			.description("Duration of shard listener methods")
			.tags(tags)
			.tag("result", result)
			.register(this.meterRegistry);
	}

	private void bindListener(String listenerId) {
		if (this.boundListeners.putIfAbsent(listenerId, Boolean.TRUE) != null) {
			return;
		}
		Tags tags = Tags.of("listener.id", listenerId);
		FunctionCounter.builder(MESSAGES_RECEIVED, this, (metrics) -> metrics.count(listenerId, true))
			.description("Messages that reached a shard listener's queue, including those then dropped")
			.tags(tags)
			.register(this.meterRegistry);
		Gauge.builder(QUEUE_DEPTH, this, (metrics) -> metrics.count(listenerId, false))
			.description("Messages queued or being handled by a shard listener")
			.tags(tags)
			.register(this.meterRegistry);
	}

	private double count(String listenerId, boolean received) {
		ShardListenerContainer container = this.endpointRegistry.get().getListenerContainer(listenerId);
		if (container == null) {
			return 0;
		}
		return received ? container.receivedCount() : container.pendingCount();
	}

	private record MeterKey(String listenerId, @Nullable String channel) {
	}

	private record Meters(Counter success, Counter error, Counter dropped, Timer successDuration,
			Timer errorDuration) {
	}

}
