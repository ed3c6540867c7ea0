package dev.shardpubsub.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import dev.shardpubsub.listener.ChannelSubscription;
import dev.shardpubsub.listener.ShardListenerContainer;
import dev.shardpubsub.listener.ShardSubscriptions;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

/**
 * Holds the {@link ShardListenerContainer listener containers}, one per endpoint, by listener id, and starts and
 * stops them with the application context. The containers are built by a {@link ShardListenerContainerFactory};
 * the registry only holds and runs them. It starts late ({@link #DEFAULT_PHASE}), after the subscriptions are
 * ready and the other beans are started, and stops first, all containers at once.
 * <p>
 * It is also the read API for the state of the subscriptions: {@link #channels()} and {@link #channels(String)}.
 */
public class ShardListenerEndpointRegistry implements SmartLifecycle, DisposableBean {

	/**
	 * The default phase: late start, early stop.
	 */
	public static final int DEFAULT_PHASE = Integer.MAX_VALUE - 100;

	private final ShardSubscriptions subscriptions;

	// Registrations in order; guarded by itself
	private final Map<String, Registration> registrations = new LinkedHashMap<>();

	private final ReentrantLock lifecycleLock = new ReentrantLock();

	private int phase = DEFAULT_PHASE;

	private volatile boolean running;

	/**
	 * Create a registry.
	 * @param subscriptions the subscriptions of the containers, for {@link #channels()}
	 */
	public ShardListenerEndpointRegistry(ShardSubscriptions subscriptions) {
		Assert.notNull(subscriptions, "subscriptions must not be null");
		this.subscriptions = subscriptions;
	}

	public void setPhase(int phase) {
		this.phase = phase;
	}

	@Override
	public int getPhase() {
		return this.phase;
	}

	/**
	 * Create the container of an endpoint with the given factory and register it; started at once if the registry
	 * is running and the endpoint starts automatically.
	 * @param endpoint the endpoint
	 * @param factory the factory that builds the container
	 * @return the container
	 * @throws IllegalStateException if the id is taken or the method signature is invalid
	 */
	public ShardListenerContainer registerListenerContainer(ShardListenerEndpoint endpoint,
			ShardListenerContainerFactory factory) {
		Assert.notNull(endpoint, "endpoint must not be null");
		Assert.notNull(factory, "factory must not be null");
		ShardListenerContainer container = factory.createListenerContainer(endpoint);
		synchronized (this.registrations) {
			Registration existing = this.registrations.putIfAbsent(endpoint.getId(),
					new Registration(container, endpoint.describe()));
			Assert.state(existing == null, () -> "Another listener with id '" + endpoint.getId()
					+ "' is already registered: " + existing.description() + "; cannot register "
					+ endpoint.describe());
		}
		this.lifecycleLock.lock();
		try {
			if (this.running && container.isAutoStartup()) {
				container.start();
			}
		}
		finally {
			this.lifecycleLock.unlock();
		}
		return container;
	}

	/**
	 * Stop the container of a listener and remove it, for example one registered at runtime that is no longer
	 * wanted; its channels that no other listener wants are unsubscribed. Its id can be registered again.
	 * @param id the listener id
	 * @return the removed container, stopped, or {@code null} if there is no such listener
	 */
	public @Nullable ShardListenerContainer unregisterListenerContainer(String id) {
		ShardListenerContainer container;
		synchronized (this.registrations) {
			Registration registration = this.registrations.remove(id);
			container = (registration != null) ? registration.container() : null;
		}
		if (container != null) {
			container.stop();
		}
		return container;
	}

	/**
	 * Return the container of a listener.
	 * @param id the listener id
	 * @return the container, or {@code null} if there is no such listener
	 */
	public @Nullable ShardListenerContainer getListenerContainer(String id) {
		synchronized (this.registrations) {
			Registration registration = this.registrations.get(id);
			return (registration != null) ? registration.container() : null;
		}
	}

	/**
	 * Return every container, in registration order.
	 * @return the containers
	 */
	public Collection<ShardListenerContainer> getListenerContainers() {
		synchronized (this.registrations) {
			return this.registrations.values().stream().map(Registration::container).toList();
		}
	}

	/**
	 * Return the ids of the listeners.
	 * @return the ids, in registration order
	 */
	public Set<String> getListenerContainerIds() {
		synchronized (this.registrations) {
			return Collections.unmodifiableSet(new LinkedHashSet<>(this.registrations.keySet()));
		}
	}

	/**
	 * Return the state of every subscribed channel.
	 * @return the channels, ordered by name
	 * @see ShardSubscriptions#channels()
	 */
	public List<ChannelSubscription> channels() {
		return this.subscriptions.channels();
	}

	/**
	 * Return the state of the channels of one listener.
	 * @param listenerId the listener id
	 * @return its channels, ordered by name; empty when it is stopped or unknown
	 */
	public List<ChannelSubscription> channels(String listenerId) {
		return this.subscriptions.channels()
			.stream()
			.filter((channel) -> channel.listenerIds().contains(listenerId))
			.toList();
	}

	/**
	 * Return how many messages all listeners dropped because a queue was full.
	 * @return the number of dropped messages
	 */
	public long droppedCount() {
		return getListenerContainers().stream().mapToLong(ShardListenerContainer::droppedCount).sum();
	}

	@Override
	public void start() {
		this.lifecycleLock.lock();
		try {
			for (ShardListenerContainer container : getListenerContainers()) {
				if (container.isAutoStartup()) {
					container.start();
				}
			}
			this.running = true;
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	@Override
	public void stop() {
		this.lifecycleLock.lock();
		try {
			this.running = false;
			ShardListenerContainer.stop(getListenerContainers());
		}
		finally {
			this.lifecycleLock.unlock();
		}
	}

	/**
	 * Stop every container at once, waiting up to the shutdown timeout for their queues to drain, then run the
	 * callback.
	 */
	@Override
	public void stop(Runnable callback) {
		try {
			stop();
		}
		finally {
			callback.run();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public void destroy() {
		// In case the context never stopped the lifecycle (for example a failed refresh)
		List<ShardListenerContainer> running = new ArrayList<>(getListenerContainers());
		running.removeIf((container) -> !container.isRunning());
		if (!running.isEmpty()) {
			ShardListenerContainer.stop(running);
		}
	}

	private record Registration(ShardListenerContainer container, String description) {
	}

}
