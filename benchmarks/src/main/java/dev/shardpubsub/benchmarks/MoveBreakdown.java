package dev.shardpubsub.benchmarks;

import java.util.List;

import dev.shardpubsub.benchmarks.SubscribeTrace.Entry;
import dev.shardpubsub.benchmarks.SubscribeTrace.Kind;

/**
 * Where the time of one resubscription went, from the {@link SubscribeTrace}: the push (or lost connection), each
 * {@code SSUBSCRIBE} handed to the node client and its answer, up to the confirmation.
 *
 * @param detectedNanos the push or lost connection
 * @param firstSendNanos the first {@code SSUBSCRIBE} after it
 * @param firstAnswerNanos the answer to that first {@code SSUBSCRIBE} ({@code MOVED}, an error or the confirmation)
 * @param secondSendNanos the {@code SSUBSCRIBE} after that answer, 0 if none
 * @param lastSendNanos the {@code SSUBSCRIBE} that was confirmed
 * @param confirmedNanos its confirmation, 0 if none in the window
 * @param commands how many {@code SSUBSCRIBE}s it took
 * @param newConnection whether the confirmed one had to wait for a new connection
 * @param timeline the steps, relative to the detection
 */
record MoveBreakdown(long detectedNanos, long firstSendNanos, long firstAnswerNanos, long secondSendNanos,
		long lastSendNanos, long confirmedNanos, int commands,
		boolean newConnection, String timeline) {

	/**
	 * Read the first resubscription of a window.
	 * @param entries the trace entries of the window, in time order
	 * @return the breakdown, or {@code null} when nothing was detected
	 */
	static MoveBreakdown of(List<Entry> entries) {
		int first = 0;
		while (first < entries.size() && entries.get(first).kind() != Kind.PUSH
				&& entries.get(first).kind() != Kind.CONNECTION_LOST) {
			first++;
		}
		if (first == entries.size()) {
			return null;
		}
		Entry detected = entries.get(first);
		StringBuilder timeline = new StringBuilder(
				(detected.kind() == Kind.PUSH) ? "push" : "conn lost").append(" from ").append(port(detected.node()));
		long firstSend = 0;
		long firstAnswer = 0;
		long secondSend = 0;
		long lastSend = 0;
		boolean newConnection = false;
		int commands = 0;
		for (Entry entry : entries.subList(first + 1, entries.size())) {
			if (entry.kind() == Kind.PUSH || entry.kind() == Kind.CONNECTION_LOST
					|| entry.kind() == Kind.UNSUBSCRIBE_SENT) {
				continue;
			}
			long offset = (entry.nanos() - detected.nanos()) / 1000;
			timeline.append(", +").append(offset).append("us ");
			if (entry.kind() == Kind.SUBSCRIBE_SENT) {
				commands++;
				firstSend = (firstSend == 0) ? entry.nanos() : firstSend;
				secondSend = (commands == 2) ? entry.nanos() : secondSend;
				lastSend = entry.nanos();
				newConnection = entry.newConnection();
				timeline.append("SSUBSCRIBE@").append(port(entry.node())).append(newConnection ? "(new conn)" : "");
			}
			else if (entry.kind() == Kind.SUBSCRIBED) {
				timeline.append("ok");
				firstAnswer = (firstAnswer == 0) ? entry.nanos() : firstAnswer;
				return new MoveBreakdown(detected.nanos(), firstSend, firstAnswer, secondSend, lastSend, entry.nanos(),
						commands, newConnection, timeline.toString());
			}
			else {
				firstAnswer = (firstAnswer == 0) ? entry.nanos() : firstAnswer;
				timeline.append(entry.kind()).append((entry.kind() == Kind.FAILED) ? "(" + entry.detail() + ")" : "");
			}
		}
		return new MoveBreakdown(detected.nanos(), firstSend, firstAnswer, secondSend, lastSend, 0, commands,
				newConnection,
				timeline.append(", not confirmed in the window").toString());
	}

	long detectedToFirstSendMicros() {
		return (this.firstSendNanos != 0) ? (this.firstSendNanos - this.detectedNanos) / 1000 : -1;
	}

	long detectedToConfirmedMicros() {
		return (this.confirmedNanos != 0) ? (this.confirmedNanos - this.detectedNanos) / 1000 : -1;
	}

	/** @return the round trip of the confirmed SSUBSCRIBE (including connecting, if it needed a new connection) */
	long lastCommandMicros() {
		return (this.confirmedNanos != 0) ? (this.confirmedNanos - this.lastSendNanos) / 1000 : -1;
	}

	private static String port(String node) {
		return node.substring(node.lastIndexOf(':') + 1);
	}

}
