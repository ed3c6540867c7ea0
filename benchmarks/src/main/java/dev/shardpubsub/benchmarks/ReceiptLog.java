package dev.shardpubsub.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How many times the listener received each sequence number.
 */
public final class ReceiptLog {

	private final AtomicIntegerArray counts;

	private final AtomicLong rejected = new AtomicLong();

	/**
	 * Create a log.
	 * @param capacity the highest sequence number + 1
	 */
	public ReceiptLog(int capacity) {
		this.counts = new AtomicIntegerArray(capacity);
	}

	/**
	 * Record a received payload.
	 * @param payload the sequence number as text
	 */
	public void record(String payload) {
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
		this.counts.incrementAndGet(seq);
	}

	long rejected() {
		return this.rejected.get();
	}

	/**
	 * Write how many times each sequence number arrived, one byte each (at most 255).
	 * @param file the file
	 * @throws IOException if it cannot be written
	 */
	void writeCounts(Path file) throws IOException {
		byte[] bytes = new byte[this.counts.length()];
		for (int seq = 0; seq < bytes.length; seq++) {
			bytes[seq] = (byte) Math.min(this.counts.get(seq), 255);
		}
		Files.write(file, bytes);
	}

}
