package dev.shardpubsub.benchmarks;

/**
 * One measured topology change (a slot move, a failover, a kill, a restart) and its time window: from the
 * operation to the start of the next one (or the end of the phase). Every message published in the window is
 * counted against it.
 */
final class Disruption {

	final String kind;

	final int index;

	final String from;

	final String to;

	/** When the operation was invoked ({@link System#nanoTime()}). */
	final long operationNanos;

	/** Start of the window: the operation. */
	final long startNanos;

	/**
	 * Where "first published" and "first received" are measured from: the start, or for a kill the moment the
	 * process was gone (every SPUBLISH after it happened after the kill).
	 */
	long measureFromNanos;

	long endNanos;

	/** End of the range searched for the library's events: the next operation (which may precede its window). */
	long eventsUntilNanos;

	/** When the operation returned (the cluster nodes agree again). */
	long operationDoneNanos;

	/** When the replica first answered {@code ROLE} master; 0 when not probed or not seen. */
	long promotedNanos;

	/** The replica's last {@code ROLE} answer as a replica before that. */
	long lastReplicaNanos;

	/** The reconciler's count of ignored messages (from a node not holding the subscription) at the start. */
	long ignoredAtStart;

	/** The same count at the end of the window. */
	long ignoredAtEnd;

	/** How long the listener's subscription took to settle on the slot owner before the next disruption. */
	long settleMillis = -1;

	Disruption(String kind, int index, String from, String to, long operationNanos, long startNanos) {
		this.kind = kind;
		this.index = index;
		this.from = from;
		this.to = to;
		this.operationNanos = operationNanos;
		this.startNanos = startNanos;
		this.measureFromNanos = startNanos;
	}

	long ignoredMessages() {
		return this.ignoredAtEnd - this.ignoredAtStart;
	}

	boolean contains(long nanos) {
		return nanos >= this.startNanos && nanos < this.endNanos;
	}

	@Override
	public String toString() {
		return this.kind + " #" + (this.index + 1) + " " + this.from + " -> " + this.to;
	}

}
