package dev.shardpubsub.reconcile;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import dev.shardpubsub.topology.ClusterTopology;
import dev.shardpubsub.topology.SlotOwnership;

/**
 * The cluster client's view of the topology, set by the test. A refresh answers the view at once and is counted.
 */
final class FakeClusterTopology implements ClusterTopology {

	private volatile SlotOwnership ownership;

	private final AtomicInteger refreshes = new AtomicInteger();

	private final List<Consumer<SlotOwnership>> listeners = new CopyOnWriteArrayList<>();

	FakeClusterTopology(SlotOwnership ownership) {
		this.ownership = ownership;
	}

	/**
	 * Set what {@link #current()} and the next refresh answer, without notifying anyone.
	 */
	void set(SlotOwnership ownership) {
		this.ownership = ownership;
	}

	/**
	 * The client noticed a topology change on its own.
	 */
	void change(SlotOwnership ownership) {
		this.ownership = ownership;
		this.listeners.forEach((listener) -> listener.accept(ownership));
	}

	int refreshCount() {
		return this.refreshes.get();
	}

	@Override
	public SlotOwnership current() {
		return this.ownership;
	}

	@Override
	public CompletableFuture<SlotOwnership> refresh() {
		this.refreshes.incrementAndGet();
		return CompletableFuture.completedFuture(this.ownership);
	}

	@Override
	public AutoCloseable onChange(Consumer<SlotOwnership> listener) {
		this.listeners.add(listener);
		return () -> this.listeners.remove(listener);
	}

}
