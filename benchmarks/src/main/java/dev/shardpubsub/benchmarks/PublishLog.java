package dev.shardpubsub.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the independent publisher did for each sequence number: skipped (it was too far behind its schedule),
 * failed, published on a replica (which a Redis 7.0 replica accepts and delivers to its own subscribers only: not a
 * real publish, not counted), or published on the master, when, on which node and to how many receivers. Written
 * by the publisher thread only; read after it stopped.
 */
final class PublishLog {

	static final byte NOT_YET = 0;

	static final byte SKIPPED = 1;

	static final byte FAILED = 2;

	static final byte ON_REPLICA = 3;

	static final byte PUBLISHED = 4;

	private final long[] sentNanos;

	private final byte[] status;

	private final int[] receivers;

	private final byte[] node;

	private volatile int size;

	PublishLog(int capacity) {
		this.sentNanos = new long[capacity];
		this.status = new byte[capacity];
		this.receivers = new int[capacity];
		this.node = new byte[capacity];
	}

	int capacity() {
		return this.sentNanos.length;
	}

	void skipped(int seq, long dueNanos) {
		this.sentNanos[seq] = dueNanos;
		this.status[seq] = SKIPPED;
		this.size = seq + 1;
	}

	void failed(int seq, long firstAttemptNanos) {
		this.sentNanos[seq] = firstAttemptNanos;
		this.status[seq] = FAILED;
		this.size = seq + 1;
	}

	void onReplica(int seq, long sentNanos, int nodeIndex) {
		this.sentNanos[seq] = sentNanos;
		this.status[seq] = ON_REPLICA;
		this.node[seq] = (byte) nodeIndex;
		this.size = seq + 1;
	}

	void published(int seq, long sentNanos, int nodeIndex, long receiverCount) {
		this.sentNanos[seq] = sentNanos;
		this.status[seq] = PUBLISHED;
		this.node[seq] = (byte) nodeIndex;
		this.receivers[seq] = (int) receiverCount;
		this.size = seq + 1;
	}

	/** @return how many sequence numbers were handled */
	int size() {
		return this.size;
	}

	long sentNanos(int seq) {
		return this.sentNanos[seq];
	}

	byte status(int seq) {
		return this.status[seq];
	}

	int receivers(int seq) {
		return this.receivers[seq];
	}

	int node(int seq) {
		return this.node[seq];
	}

	/**
	 * Write what was published, for the process that counts the receipts.
	 * @param file the file
	 * @throws IOException if it cannot be written
	 */
	void writeTo(Path file) throws IOException {
		try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
			int count = this.size;
			out.writeInt(capacity());
			out.writeInt(count);
			for (int seq = 0; seq < count; seq++) {
				out.writeByte(this.status[seq]);
				out.writeLong(this.sentNanos[seq]);
				out.writeByte(this.node[seq]);
				out.writeInt(this.receivers[seq]);
			}
		}
	}

	/**
	 * Read a log written by {@link #writeTo(Path)}.
	 * @param file the file
	 * @return the log
	 * @throws IOException if it cannot be read
	 */
	static PublishLog readFrom(Path file) throws IOException {
		try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
			PublishLog log = new PublishLog(in.readInt());
			int count = in.readInt();
			for (int seq = 0; seq < count; seq++) {
				log.status[seq] = in.readByte();
				log.sentNanos[seq] = in.readLong();
				log.node[seq] = in.readByte();
				log.receivers[seq] = in.readInt();
			}
			log.size = count;
			return log;
		}
	}

}
