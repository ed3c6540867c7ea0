package dev.shardpubsub.benchmarks;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the listener received, by sequence number: how many times, when first ({@link System#nanoTime()}), and
 * from which node the first and second copies came.
 */
public final class ReceiptLog {

	private final List<String> addresses;

	private final AtomicIntegerArray counts;

	private final AtomicLongArray firstReceived;

	private final AtomicLongArray secondReceived;

	private final AtomicIntegerArray firstNode;

	private final AtomicIntegerArray secondNode;

	private final AtomicLong rejected = new AtomicLong();

	/**
	 * Create a log.
	 * @param capacity the highest sequence number + 1
	 * @param addresses the cluster's nodes ({@code host:port}), to record which one delivered
	 */
	public ReceiptLog(int capacity, List<String> addresses) {
		this.addresses = List.copyOf(addresses);
		this.counts = new AtomicIntegerArray(capacity);
		this.firstReceived = new AtomicLongArray(capacity);
		this.secondReceived = new AtomicLongArray(capacity);
		this.firstNode = new AtomicIntegerArray(capacity);
		this.secondNode = new AtomicIntegerArray(capacity);
	}

	/**
	 * Record a received payload.
	 * @param payload the sequence number as text
	 * @param node the node that delivered it ({@code host:port})
	 * @param nanos when it was received
	 */
	public void record(String payload, String node, long nanos) {
		int seq;
		try {
			seq = Integer.parseInt(payload);
		}
		catch (NumberFormatException ex) {
			this.rejected.incrementAndGet();
			return;
		}
		if (seq < 0 || seq >= this.counts.length()) {
			this.rejected.incrementAndGet();
			return;
		}
		int count = this.counts.incrementAndGet(seq);
		if (count == 1) {
			this.firstReceived.set(seq, nanos);
			this.firstNode.set(seq, this.addresses.indexOf(node));
		}
		else if (count == 2) {
			this.secondReceived.set(seq, nanos);
			this.secondNode.set(seq, this.addresses.indexOf(node));
		}
	}

	int count(int seq) {
		return this.counts.get(seq);
	}

	long firstReceived(int seq) {
		return this.firstReceived.get(seq);
	}

	long secondReceived(int seq) {
		return this.secondReceived.get(seq);
	}

	/** @return the index of the node that delivered the first copy, -1 if unknown */
	int firstNode(int seq) {
		return this.firstNode.get(seq);
	}

	int secondNode(int seq) {
		return this.secondNode.get(seq);
	}

	long rejected() {
		return this.rejected.get();
	}

}
