package dev.shardpubsub.benchmarks;

import org.springframework.messaging.handler.annotation.Header;

import dev.shardpubsub.annotation.ShardListener;
import dev.shardpubsub.listener.ShardMessageHeaders;

/**
 * The listener under test: a plain {@link ShardListener @ShardListener} on the benchmark channel that records each
 * sequence number with the time it reached the method and the node that delivered it.
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
	 * @param node the node that delivered it
	 */
	@ShardListener(id = "benchmark", channels = "${bench.channel}")
	public void onMessage(String payload, @Header(ShardMessageHeaders.NODE) String node) {
		long now = System.nanoTime();
		this.receipts.record(payload, node, now);
	}

}
