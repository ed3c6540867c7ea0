package dev.shardpubsub.topology;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where slot ownership comes from: the cluster client's view of the topology.
 */
public interface ClusterTopology {

	/**
	 * The current view, loading it first if the client has none yet.
	 * @return the current ownership
	 */
	SlotOwnership current();

	/**
	 * Ask the cluster for its topology again.
	 * @return completes with the refreshed ownership
	 */
	CompletableFuture<SlotOwnership> refresh();

	/**
	 * Be told when the client itself noticed a topology change.
	 * @param listener receives the new ownership
	 * @return stops the notifications when closed
	 */
	AutoCloseable onChange(Consumer<SlotOwnership> listener);

}
