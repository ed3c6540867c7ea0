package dev.shardpubsub.topology;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.shardpubsub.cluster.SlotMigration;

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

	/**
	 * The slot migrations under way, as each master reports them about itself ({@code IMPORTING} and
	 * {@code MIGRATING} slots). A node that cannot be asked is left out.
	 * @return completes with the migrations; none by default
	 */
	default CompletableFuture<List<SlotMigration>> migrations() {
		return CompletableFuture.completedFuture(List.of());
	}

	/**
	 * Release the connections this source opened itself (not the client's).
	 */
	default void close() {
	}

}
