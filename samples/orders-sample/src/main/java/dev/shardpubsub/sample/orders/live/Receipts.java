package dev.shardpubsub.sample.orders.live;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * What the live demo's listeners received, per channel: which sequence numbers (so that lost and duplicated
 * messages are known), and the longest silence between two messages since the current window began (the demo opens
 * one window per cluster event).
 */
@Component
@Profile("demo")
public class Receipts {

	private static final Log logger = LogFactory.getLog(Receipts.class);

	private final Map<String, Track> tracks = new ConcurrentHashMap<>();

	private final AtomicInteger duplicatesLogged = new AtomicInteger();

	void record(String channel, long seq, String node) {
		String duplicate = this.tracks.computeIfAbsent(channel, (key) -> new Track()).record(seq, node,
				System.nanoTime());
		if (duplicate != null && this.duplicatesLogged.incrementAndGet() <= 50) {
			logger.warn("Received twice on " + channel + ": " + duplicate);
		}
	}

	/** Start a new window: the longest silences are measured from now on. */
	void openWindow() {
		long now = System.nanoTime();
		this.tracks.values().forEach((track) -> track.openWindow(now));
	}

	/**
	 * The longest silence of each channel in the current window, an ongoing one included.
	 * @return milliseconds by channel
	 */
	Map<String, Long> windowSilences() {
		long now = System.nanoTime();
		Map<String, Long> silences = new LinkedHashMap<>();
		this.tracks.forEach((channel, track) -> silences.put(channel, track.silenceMillis(now)));
		return silences;
	}

	/** @return the highest sequence number received, by channel */
	Map<String, Long> highest() {
		Map<String, Long> highest = new LinkedHashMap<>();
		this.tracks.forEach((channel, track) -> highest.put(channel, track.highest()));
		return highest;
	}

	/** @return by channel: received, duplicated, highest, missing ranges below the highest, duplicated numbers */
	Map<String, ChannelReceipts> all() {
		Map<String, ChannelReceipts> all = new LinkedHashMap<>();
		this.tracks.forEach((channel, track) -> all.put(channel, track.snapshot()));
		return all;
	}

	/**
	 * One channel's receipts.
	 *
	 * @param received messages received, copies included
	 * @param duplicates copies received a second time
	 * @param highest highest sequence number
	 * @param missing {@code [from, to]} ranges of numbers below {@code highest} not received
	 * @param duplicated the numbers received more than once (the first 100)
	 */
	public record ChannelReceipts(long received, long duplicates, long highest, List<long[]> missing,
			List<Long> duplicated) {
	}

	private static final class Track {

		private final BitSet seen = new BitSet();

		private final List<Long> duplicated = new ArrayList<>();

		private long received;

		private long duplicates;

		private long highest;

		private long lastNanos;

		private String lastNode;

		private long windowStart;

		private long longestSilence;

		// Returns a description of the message if it is a second copy.
		synchronized String record(long seq, String node, long now) {
			this.received++;
			String duplicate = null;
			if (this.seen.get((int) seq)) {
				this.duplicates++;
				if (this.duplicated.size() < 100) {
					this.duplicated.add(seq);
				}
				duplicate = "#" + seq + " from " + node + " (highest so far #" + this.highest + ", the previous message from "
						+ this.lastNode + ")";
			}
			this.seen.set((int) seq);
			this.highest = Math.max(this.highest, seq);
			if (this.lastNanos != 0) {
				this.longestSilence = Math.max(this.longestSilence, now - Math.max(this.lastNanos, this.windowStart));
			}
			this.lastNanos = now;
			this.lastNode = node;
			return duplicate;
		}

		synchronized void openWindow(long now) {
			this.windowStart = now;
			this.longestSilence = 0;
		}

		synchronized long silenceMillis(long now) {
			long ongoing = (this.lastNanos != 0) ? now - Math.max(this.lastNanos, this.windowStart) : 0;
			return Math.max(this.longestSilence, ongoing) / 1_000_000;
		}

		synchronized long highest() {
			return this.highest;
		}

		synchronized ChannelReceipts snapshot() {
			List<long[]> missing = new ArrayList<>();
			int from = this.seen.nextClearBit(1);
			while (from < this.highest) {
				int to = Math.min(this.seen.nextSetBit(from), (int) this.highest) - 1;
				missing.add(new long[] { from, to });
				from = this.seen.nextClearBit(to + 1);
			}
			return new ChannelReceipts(this.received, this.duplicates, this.highest, missing,
					List.copyOf(this.duplicated));
		}

	}

}
