package dev.shardpubsub.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What was published on each channel (sequence number, when, and whether the server acknowledged it) and what the
 * listener received (when, how often). Sequence numbers start at 0 per channel; each is published at most once,
 * so a number received twice is a duplicate made by the subscriber side.
 * <p>
 * Times are milliseconds since the ledger was created, on the {@link System#nanoTime()} clock.
 */
final class SequenceLedger {

	static final byte PENDING = 0;

	static final byte ACKED = 1;

	static final byte FAILED = 2;

	/** Added to the status of a probe: published out of turn while checking recovery. */
	static final byte PROBE = 4;

	private final long originNanos = System.nanoTime();

	private final Map<String, Channel> channels = new LinkedHashMap<>();

	/** Node names, indexed for the compact per-message record of who delivered it. */
	private static final List<String> NODES = new java.util.concurrent.CopyOnWriteArrayList<>();

	static synchronized short nodeIndex(String node) {
		int index = NODES.indexOf(node);
		if (index < 0) {
			NODES.add(node);
			index = NODES.size() - 1;
		}
		return (short) index;
	}

	SequenceLedger(List<String> names) {
		names.forEach((name) -> this.channels.put(name, new Channel(name)));
	}

	/** @return milliseconds since the ledger was created */
	int now() {
		return millis(System.nanoTime());
	}

	int millis(long nanos) {
		return (int) ((nanos - this.originNanos) / 1_000_000L);
	}

	Channel channel(String name) {
		Channel channel = this.channels.get(name);
		if (channel == null) {
			throw new IllegalArgumentException("Not a chaos channel: " + name);
		}
		return channel;
	}

	Iterable<Channel> channels() {
		return this.channels.values();
	}

	/**
	 * The next sequence number of every channel: messages published from now on have at least this number.
	 * @return channel to next sequence number
	 */
	Map<String, Integer> marks() {
		Map<String, Integer> marks = new LinkedHashMap<>();
		for (Channel channel : this.channels.values()) {
			marks.put(channel.name, channel.nextSeq());
		}
		return marks;
	}

	/**
	 * A message the listener received.
	 * @param name the channel
	 * @param payload the payload: the sequence number
	 */
	void received(String name, String payload, String node) {
		channel(name).received(Integer.parseInt(payload), now(), node);
	}

	long duplicates() {
		long total = 0;
		for (Channel channel : this.channels.values()) {
			total += channel.duplicates();
		}
		return total;
	}

	/**
	 * One channel's record. Written by the publisher thread, Redis I/O threads (acknowledgements) and listener
	 * threads (receipts): every access is synchronized on the channel.
	 */
	static final class Channel {

		final String name;

		private int nextSeq;

		private int[] publishedAt = new int[64];

		private byte[] status = new byte[64];

		private int[] receivedAt = new int[64];

		private short[] receivedFrom = new short[64];

		private final BitSet received = new BitSet();

		private int duplicates;

		private final List<String> duplicateSeqs = new ArrayList<>();

		private int outOfOrder;

		private final List<String> outOfOrderSamples = new ArrayList<>();

		private final List<Integer> outOfOrderAt = new ArrayList<>();

		private String lastNode;

		private int maxReceived = -1;

		Channel(String name) {
			this.name = name;
		}

		synchronized int nextSeq() {
			return this.nextSeq;
		}

		/**
		 * Take the next sequence number for a message about to be sent.
		 * @param at when it is sent
		 * @return the number
		 */
		synchronized int publish(int at, boolean probe) {
			int seq = this.nextSeq++;
			if (seq >= this.publishedAt.length) {
				int size = this.publishedAt.length * 2;
				this.publishedAt = Arrays.copyOf(this.publishedAt, size);
				this.status = Arrays.copyOf(this.status, size);
			}
			this.publishedAt[seq] = at;
			this.status[seq] = probe ? PROBE : PENDING;
			return seq;
		}

		synchronized void outcome(int seq, byte outcome) {
			this.status[seq] |= outcome;
		}

		private boolean acked(int seq) {
			return (this.status[seq] & ACKED) != 0;
		}

		private boolean probe(int seq) {
			return (this.status[seq] & PROBE) != 0;
		}

		synchronized void received(int seq, int at, String node) {
			if (this.received.get(seq)) {
				this.duplicates++;
				if (this.duplicateSeqs.size() < 20) {
					this.duplicateSeqs.add("seq " + seq + " published at " + publishedAt(seq) + " ms, received at "
							+ this.receivedAt[seq] + " ms from " + NODES.get(this.receivedFrom[seq]) + " and at " + at
							+ " ms from " + node);
				}
				return;
			}
			this.received.set(seq);
			if (seq >= this.receivedAt.length) {
				int size = Math.max(seq + 1, this.receivedAt.length * 2);
				this.receivedAt = Arrays.copyOf(this.receivedAt, size);
				this.receivedFrom = Arrays.copyOf(this.receivedFrom, size);
			}
			this.receivedAt[seq] = at;
			this.receivedFrom[seq] = nodeIndex(node);
			if (seq < this.maxReceived) {
				this.outOfOrder++;
				if (this.outOfOrderAt.size() < 1000) {
					this.outOfOrderAt.add(at);
				}
				if (this.outOfOrderSamples.size() < 3) {
					this.outOfOrderSamples.add("seq " + seq + " from " + node + " at " + at + " ms after seq "
							+ this.maxReceived + " from " + this.lastNode);
				}
			}
			this.maxReceived = Math.max(this.maxReceived, seq);
			this.lastNode = node;
		}

		/**
		 * When the first message numbered at least {@code mark} arrived.
		 * @param mark the sequence number
		 * @return the time, or -1 if none arrived yet
		 */
		synchronized int firstReceivedFrom(int mark) {
			int seq = this.received.nextSetBit(mark);
			return (seq < 0) ? -1 : this.receivedAt[seq];
		}

		synchronized int duplicates() {
			return this.duplicates;
		}

		private int publishedAt(int seq) {
			return (seq < this.nextSeq) ? this.publishedAt[seq] : -1;
		}

		synchronized List<String> duplicateSeqs() {
			return List.copyOf(this.duplicateSeqs);
		}

		synchronized int outOfOrder() {
			return this.outOfOrder;
		}

		synchronized List<Integer> outOfOrderAt() {
			return List.copyOf(this.outOfOrderAt);
		}

		synchronized List<String> outOfOrderSamples() {
			return List.copyOf(this.outOfOrderSamples);
		}

		/**
		 * The losses: acknowledged messages never received, grouped in runs of consecutive sequence numbers that
		 * did not arrive (failed sends inside a run are part of it).
		 * @return the runs, in order
		 */
		synchronized List<LossRun> lossRuns() {
			List<LossRun> runs = new ArrayList<>();
			int seq = 0;
			while (seq < this.nextSeq) {
				if (this.received.get(seq) || !acked(seq)) {
					seq++;
					continue;
				}
				int first = seq;
				int lost = 0;
				int lostProbes = 0;
				int lastLost = first;
				while (seq < this.nextSeq && !this.received.get(seq)) {
					if (acked(seq)) {
						if (probe(seq)) {
							lostProbes++;
						}
						else {
							lost++;
						}
						lastLost = seq;
					}
					seq++;
				}
				int nextReceivedPublishedAt = (seq < this.nextSeq) ? this.publishedAt[seq] : -1;
				runs.add(new LossRun(this.name, first, lost, lostProbes, this.publishedAt[first],
						this.publishedAt[lastLost], nextReceivedPublishedAt));
			}
			return runs;
		}

		synchronized int[] counts() {
			int acked = 0;
			int failed = 0;
			for (int seq = 0; seq < this.nextSeq; seq++) {
				if (acked(seq)) {
					acked++;
				}
				else if ((this.status[seq] & FAILED) != 0) {
					failed++;
				}
			}
			return new int[] { this.nextSeq, acked, failed, this.received.cardinality() };
		}

	}

	/**
	 * Acknowledged messages of one channel that never arrived, between two that did.
	 *
	 * @param channel the channel
	 * @param firstSeq the first sequence number not received
	 * @param lost how many acknowledged messages of the steady stream in the run were not received
	 * @param lostProbes how many acknowledged probes in the run were not received (published while checking
	 * recovery, at a much higher rate: they sharpen the window but are not counted as losses of the stream)
	 * @param firstLostAt when the first lost message was published
	 * @param lastLostAt when the last lost message was published
	 * @param nextReceivedPublishedAt when the first message received after the run was published, or -1
	 */
	record LossRun(String channel, int firstSeq, int lost, int lostProbes, int firstLostAt, int lastLostAt,
			int nextReceivedPublishedAt) {

		/**
		 * An upper bound of how long the channel was deaf: from the first lost message to the first one received
		 * again (both publish times).
		 * @return the window in milliseconds
		 */
		int window() {
			return ((this.nextReceivedPublishedAt >= 0) ? this.nextReceivedPublishedAt : this.lastLostAt)
					- this.firstLostAt;
		}

	}

}
