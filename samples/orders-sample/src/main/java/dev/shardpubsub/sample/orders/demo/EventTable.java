package dev.shardpubsub.sample.orders.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The live table: one row per cluster event, printed when the event is over, and the summary.
 */
final class EventTable {

	private static final String FORMAT = "%3s %5s  %-46s %6s %5s %8s %8s %7s %8s %5s %4s  %s%n";

	private final PrintStream out;

	private final long start = System.nanoTime();

	private final List<Row> rows = new ArrayList<>();

	EventTable(PrintStream out) {
		this.out = out;
	}

	void header(int channels, int rate) {
		this.out.println();
		this.out.printf("Channels: %d, publishing %d msg/s (each channel every %d ms). chans: channels whose slot "
				+ "changed owner.%nall back: the longest an affected channel (all, when none was) received nothing: "
				+ "every one received%nagain after at most that (normal: about one publish interval); pub wait: the "
				+ "same for the publisher's%nacknowledged publishes (it cannot publish to a crashed master either). "
				+ "lost/dup: by sequence number.%n%n", channels, rate, channels * 1000L / rate);
		this.out.printf(FORMAT, "#", "at", "event", "took", "chans", "all back", "pub wait", "sent", "received",
				"lost", "dup", "");
	}

	void add(Row row) {
		this.rows.add(row);
		long at = (System.nanoTime() - this.start) / 1_000_000_000L;
		this.out.printf(FORMAT, this.rows.size(), String.format("%d:%02d", at / 60, at % 60), row.event(),
				seconds(row.tookMillis()), row.affected(), row.deaf().isEmpty() ? row.silenceMillis() + " ms" : "DEAF",
				row.publishWaitMillis() + " ms", row.sent(), row.received(), row.lost(), row.duplicates(), row.deaf().isEmpty() ? "ok"
						: "DEAF: " + String.join(",", row.deaf().subList(0, Math.min(5, row.deaf().size()))));
		this.out.flush();
	}

	List<Row> rows() {
		return this.rows;
	}

	private static String seconds(long millis) {
		return String.format("%.1f s", millis / 1000.0);
	}

	/**
	 * One event.
	 *
	 * @param event what happened
	 * @param tookMillis how long the operation took
	 * @param affected channels whose slot changed owner (all channels are checked)
	 * @param silenceMillis the longest time an affected channel (or any, when none was) received nothing
	 * @param publishWaitMillis the longest time the publisher had no publish of those channels acknowledged
	 * @param sent messages the cluster acknowledged during the event
	 * @param received of those, received by the app (copies included)
	 * @param lost of those, never received
	 * @param duplicates of those, received more than once
	 * @param deaf channels that received nothing published after the operation
	 */
	record Row(String event, long tookMillis, int affected, long silenceMillis, long publishWaitMillis, long sent,
			long received, long lost, long duplicates, List<String> deaf) {
	}

}
