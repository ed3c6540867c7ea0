package dev.shardpubsub.reconcile;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;

import dev.shardpubsub.event.ShardPubSubEvent;

/**
 * Records every event and hands the {@link ShardPubSubEvent}s to a listener synchronously, on the publishing
 * thread, as Spring's event multicaster does.
 */
final class RecordingEventPublisher implements ApplicationEventPublisher {

	private final List<Object> events = new CopyOnWriteArrayList<>();

	private volatile ApplicationListener<ShardPubSubEvent> listener;

	private volatile boolean forwarding = true;

	void setListener(ApplicationListener<ShardPubSubEvent> listener) {
		this.listener = listener;
	}

	/**
	 * Whether events reach the listener (off: they are recorded but lost, like an event the reconciler missed).
	 */
	void setForwarding(boolean forwarding) {
		this.forwarding = forwarding;
	}

	@Override
	public void publishEvent(Object event) {
		this.events.add(event);
		ApplicationListener<ShardPubSubEvent> target = this.listener;
		if (this.forwarding && target != null && event instanceof ShardPubSubEvent shardEvent) {
			target.onApplicationEvent(shardEvent);
		}
	}

	List<Object> events() {
		return List.copyOf(this.events);
	}

	<T> List<T> events(Class<T> type) {
		return this.events.stream().filter(type::isInstance).map(type::cast).toList();
	}

}
