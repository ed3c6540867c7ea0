package dev.shardpubsub.benchmarks;

import java.util.ArrayList;
import java.util.List;

/**
 * What happened to the messages published in one time window: published, lost (published successfully on the
 * master and never received), duplicated, the runs of lost messages, and the first successes and receipts.
 */
final class WindowStats {

	private static final int MAX_SAMPLES = 6;

	int published;

	int failed;

	int skipped;

	/** Accepted by a replica (delivered to that replica's subscribers only): not counted as published. */
	int onReplica;

	int onReplicaReceived;

	int lost;

	int duplicates;

	/** Published successfully but the node counted no receiver. */
	int zeroReceivers;

	/** Received although the publisher saw an error (a timed-out command that went through). */
	int receivedButFailed;

	long firstLostSent;

	long lastLostSent;

	/** Send time of the first successful SPUBLISH of the window (after its measuring point), 0 if none. */
	long firstPublishedSent;

	/** Send time of the first successful SPUBLISH on another node than the one losing the slot, 0 if none. */
	long firstElsewhereSent;

	/** Earliest receipt of a message published (on a master) in the window after its measuring point, 0 if none. */
	long firstReceipt;

	/** Runs of consecutive lost sequence numbers (the first few). */
	final List<LostRun> lostRuns = new ArrayList<>();

	/** Some duplicated sequence numbers. */
	final List<Duplicate> duplicateSamples = new ArrayList<>();

	/** The first messages published after the measuring point: {seq, sent, first receipt or 0}. */
	final List<long[]> firstPublished = new ArrayList<>();

	private int lastLostSeq = -2;

	void add(PublishLog published, ReceiptLog receipts, int seq, int fromNode, long measureFrom) {
		byte status = published.status(seq);
		int count = receipts.count(seq);
		if (status == PublishLog.SKIPPED) {
			this.skipped++;
			return;
		}
		if (count > 1) {
			this.duplicates++;
			if (this.duplicateSamples.size() < MAX_SAMPLES) {
				this.duplicateSamples.add(new Duplicate(seq, published.sentNanos(seq), receipts.firstNode(seq),
						receipts.secondNode(seq), receipts.secondReceived(seq) - receipts.firstReceived(seq)));
			}
		}
		if (status == PublishLog.FAILED) {
			this.failed++;
			this.receivedButFailed += (count > 0) ? 1 : 0;
			return;
		}
		if (status == PublishLog.ON_REPLICA) {
			this.onReplica++;
			this.onReplicaReceived += (count > 0) ? 1 : 0;
			return;
		}
		long sent = published.sentNanos(seq);
		this.published++;
		if (sent >= measureFrom) {
			if (this.firstPublished.size() < 3) {
				this.firstPublished.add(new long[] { seq, sent, (count > 0) ? receipts.firstReceived(seq) : 0 });
			}
			if (count > 0 && (this.firstReceipt == 0 || receipts.firstReceived(seq) < this.firstReceipt)) {
				this.firstReceipt = receipts.firstReceived(seq);
			}
			if (this.firstPublishedSent == 0) {
				this.firstPublishedSent = sent;
			}
		}
		if (this.firstElsewhereSent == 0 && published.node(seq) != fromNode) {
			this.firstElsewhereSent = sent;
		}
		if (published.receivers(seq) == 0) {
			this.zeroReceivers++;
		}
		if (count == 0) {
			lost(seq, sent, published.node(seq), published.receivers(seq));
		}
	}

	private void lost(int seq, long sent, int node, int receivers) {
		this.lost++;
		if (this.firstLostSent == 0) {
			this.firstLostSent = sent;
		}
		this.lastLostSent = sent;
		if (seq == this.lastLostSeq + 1 && !this.lostRuns.isEmpty()) {
			this.lostRuns.get(this.lostRuns.size() - 1).extend(sent, receivers);
		}
		else if (this.lostRuns.size() < MAX_SAMPLES) {
			this.lostRuns.add(new LostRun(seq, sent, node, receivers));
		}
		this.lastLostSeq = seq;
	}

	double deafMillis(BenchmarkSettings settings) {
		return this.lost / settings.messagesPerMilli();
	}

	/** @return how long the publisher could not publish on a master, from the numbers it could not, in ms */
	double publisherStallMillis(BenchmarkSettings settings) {
		return (this.skipped + this.failed + this.onReplica) / settings.messagesPerMilli();
	}

	/**
	 * Consecutive lost messages.
	 */
	static final class LostRun {

		final int firstSeq;

		final long firstSent;

		final int node;

		int length = 1;

		long lastSent;

		int zeroReceivers;

		LostRun(int firstSeq, long firstSent, int node, int receivers) {
			this.firstSeq = firstSeq;
			this.firstSent = firstSent;
			this.lastSent = firstSent;
			this.node = node;
			this.zeroReceivers = (receivers == 0) ? 1 : 0;
		}

		void extend(long sent, int receivers) {
			this.length++;
			this.lastSent = sent;
			this.zeroReceivers += (receivers == 0) ? 1 : 0;
		}

	}

	/**
	 * A message received twice.
	 *
	 * @param seq its sequence number
	 * @param sent when it was published
	 * @param firstNode the node index of the first copy
	 * @param secondNode the node index of the second copy
	 * @param apartNanos time between the two copies
	 */
	record Duplicate(int seq, long sent, int firstNode, int secondNode, long apartNanos) {
	}

}
