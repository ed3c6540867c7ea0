package dev.shardpubsub.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Per event and per kind of event: messages the publisher had published on a master that each receiver lost or
 * received twice, and the deaf time they stand for (lost ÷ rate). The first event of each kind is reported apart
 * from the steady ones: in production moves are rare and each runs cold code.
 */
final class EventTable {

	private final List<Row> rows = new ArrayList<>();

	private final double messagesPerMilli;

	private final boolean peer;

	EventTable(MoveScenario.Outcome outcome, int rate) {
		this.messagesPerMilli = rate / 1000.0;
		this.peer = outcome.theirs() != null;
		List<Events.Event> events = outcome.events();
		for (int i = 0; i < events.size(); i++) {
			this.rows.add(new Row(events.get(i)));
		}
		PublishLog published = outcome.published();
		int window = 0;
		for (int seq = 0; seq < published.size(); seq++) {
			if (published.status(seq) != PublishLog.PUBLISHED) {
				continue;
			}
			long sent = published.sentNanos(seq);
			if (sent < events.get(0).startNanos()) {
				continue;
			}
			while (window + 1 < events.size() && sent >= events.get(window + 1).startNanos()) {
				window++;
			}
			Row row = this.rows.get(window);
			row.published++;
			int ours = outcome.ours().count(seq);
			row.oursLost += (ours == 0) ? 1 : 0;
			row.oursDuplicates += Math.max(ours - 1, 0);
			if (this.peer) {
				int theirs = (seq < outcome.theirs().length) ? outcome.theirs()[seq] & 0xff : 0;
				row.theirsLost += (theirs == 0) ? 1 : 0;
				row.theirsDuplicates += Math.max(theirs - 1, 0);
			}
		}
	}

	void printEvents(PrintStream out) {
		out.println();
		out.println("Every event (lost = published on a master, never received; deaf = lost / rate)");
		out.printf(Locale.ROOT, "%-26s %3s %9s | %13s %6s | %13s %6s | %s%n", "event", "#", "published", "ours lost/dup",
				"deaf", "node lost/dup", "deaf", "detail");
		for (Row row : this.rows) {
			out.printf(Locale.ROOT, "%-26s %3s %9d | %7d/%-5d %6.1f | %7s/%-5s %6s | %s%n", row.event.kind(),
					row.event.kind().equals(Events.IDLE) ? "" : Integer.toString(row.event.index() + 1),
					row.published, row.oursLost, row.oursDuplicates, deaf(row.oursLost),
					this.peer ? Long.toString(row.theirsLost) : "-", this.peer ? Long.toString(row.theirsDuplicates) : "-",
					this.peer ? String.format(Locale.ROOT, "%.1f", deaf(row.theirsLost)) : "-", row.event.detail());
		}
	}

	/**
	 * The side-by-side table: per kind, the first event and the median of the others, ours, node-redis's, ratio.
	 * @param out where to print
	 * @param server the server's name and version
	 */
	void printSummary(PrintStream out, String server) {
		out.println();
		out.println("Deaf ms per event, " + server + ": ours (the starter) / node-redis 6.3.1 / ratio ours:theirs");
		out.printf(Locale.ROOT, "%-26s | %-26s | %-40s | %s%n", "event", "first: ours / node / ratio",
				"steady median (mean, max): ours / node", "ratio  | n  | dup ours/node");
		for (Summary summary : summaries()) {
			out.printf(Locale.ROOT, "%-26s | %7.1f / %7s / %6s | %6s (%6s, %6s) / %6s (%6s) | %6s | %2d | %d/%s%n",
					summary.kind, summary.oursFirst, text(summary.theirsFirst), ratio(summary.oursFirst, summary.theirsFirst),
					text(summary.oursSteady), text(summary.oursSteadyMean), text(summary.oursSteadyMax),
					text(summary.theirsSteady), text(summary.theirsSteadyMean), ratio(summary.oursSteady, summary.theirsSteady),
					summary.count, summary.oursDuplicates, this.peer ? Long.toString(summary.theirsDuplicates) : "-");
		}
		long idleOurs = 0;
		long idleTheirs = 0;
		for (Row row : this.rows) {
			if (row.event.kind().equals(Events.IDLE)) {
				idleOurs += row.oursLost;
				idleTheirs += row.theirsLost;
			}
		}
		out.printf(Locale.ROOT, "outside events (before the first, loading keys, restarting a killed node): lost ours %d, "
				+ "node %s%n", idleOurs, this.peer ? Long.toString(idleTheirs) : "-");
	}

	List<Summary> summaries() {
		List<Summary> summaries = new ArrayList<>();
		for (String kind : Events.KINDS) {
			List<Row> ofKind = this.rows.stream().filter((row) -> row.event.kind().equals(kind)).toList();
			if (ofKind.isEmpty()) {
				continue;
			}
			double[] ours = ofKind.stream().skip(1).mapToDouble((row) -> deaf(row.oursLost)).toArray();
			double[] theirs = ofKind.stream().skip(1).mapToDouble((row) -> deaf(row.theirsLost)).toArray();
			Summary summary = new Summary(kind, ofKind.size(), deaf(ofKind.get(0).oursLost),
					this.peer ? deaf(ofKind.get(0).theirsLost) : Double.NaN, median(ours), mean(ours), max(ours),
					this.peer ? median(theirs) : Double.NaN, this.peer ? mean(theirs) : Double.NaN,
					ofKind.stream().mapToLong((row) -> row.oursDuplicates).sum(),
					ofKind.stream().mapToLong((row) -> row.theirsDuplicates).sum());
			summaries.add(summary);
		}
		return summaries;
	}

	private double deaf(long lost) {
		return lost / this.messagesPerMilli;
	}

	static String text(double value) {
		return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f", value);
	}

	static String ratio(double ours, double theirs) {
		if (Double.isNaN(ours) || Double.isNaN(theirs)) {
			return "-";
		}
		if (theirs == 0) {
			return (ours == 0) ? "0/0" : "inf";
		}
		return String.format(Locale.ROOT, "%.2f", ours / theirs);
	}

	private static double median(double[] values) {
		if (values.length == 0) {
			return Double.NaN;
		}
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	private static double mean(double[] values) {
		return Arrays.stream(values).average().orElse(Double.NaN);
	}

	private static double max(double[] values) {
		return Arrays.stream(values).max().orElse(Double.NaN);
	}

	/**
	 * One kind of event, summed up.
	 *
	 * @param kind the kind
	 * @param count how many events
	 * @param oursFirst our deaf ms at the first
	 * @param theirsFirst node-redis's deaf ms at the first
	 * @param oursSteady our median deaf ms over the others
	 * @param oursSteadyMean our mean over the others
	 * @param oursSteadyMax our worst of the others
	 * @param theirsSteady node-redis's median over the others
	 * @param theirsSteadyMean node-redis's mean over the others
	 * @param oursDuplicates our duplicates over all
	 * @param theirsDuplicates node-redis's duplicates over all
	 */
	record Summary(String kind, int count, double oursFirst, double theirsFirst, double oursSteady,
			double oursSteadyMean, double oursSteadyMax, double theirsSteady, double theirsSteadyMean,
			long oursDuplicates, long theirsDuplicates) {

	}

	private static final class Row {

		final Events.Event event;

		long published;

		long oursLost;

		long oursDuplicates;

		long theirsLost;

		long theirsDuplicates;

		Row(Events.Event event) {
			this.event = event;
		}

	}

}
