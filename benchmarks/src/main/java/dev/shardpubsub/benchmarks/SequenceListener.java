package dev.shardpubsub.benchmarks;

import dev.shardpubsub.annotation.ShardListener;

/**
 * The listener under test: a plain {@link ShardListener @ShardListener} on the measured channel that counts each
 * sequence number.
 */
public class SequenceListener {

	private final ReceiptLog receipts;

	/**
	 * Create the listener.
	 * @param receipts where to record what arrives
	 */
	public SequenceListener(ReceiptLog receipts) {
		this.receipts = receipts;
	}

	/**
	 * Record one message.
	 * @param payload the sequence number as text
	 */
	@ShardListener(id = "benchmark", channels = "${bench.channel}")
	public void onMessage(String payload) {
		this.receipts.record(payload);
	}

}
