package dev.shardpubsub.reconcile;

import java.time.Duration;

/**
 * Told about every pass of the reconciler: one event, subscription change, Redis answer or retry handled on its
 * thread. For metrics.
 */
@FunctionalInterface
public interface ReconcilePassListener {

	/**
	 * A pass finished.
	 * @param duration how long it ran
	 */
	void onPass(Duration duration);

}
