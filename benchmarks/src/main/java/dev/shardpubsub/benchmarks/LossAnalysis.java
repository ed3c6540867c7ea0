package dev.shardpubsub.benchmarks;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches what was published with what was received, per disruption window, once publishing stopped and the last
 * messages were drained.
 */
final class LossAnalysis {

	private final Map<Disruption, WindowStats> windows = new IdentityHashMap<>();

	private final WindowStats outside = new WindowStats();

	private LossAnalysis() {
	}

	static LossAnalysis of(PublishLog published, ReceiptLog receipts, List<Disruption> disruptions,
			List<String> addresses) {
		LossAnalysis analysis = new LossAnalysis();
		disruptions.forEach((disruption) -> analysis.windows.put(disruption, new WindowStats()));
		int size = published.size();
		for (int seq = 0; seq < size; seq++) {
			long sent = published.sentNanos(seq);
			Disruption window = find(disruptions, sent);
			if (window == null) {
				analysis.outside.add(published, receipts, seq, -1, 0);
			}
			else {
				analysis.windows.get(window)
					.add(published, receipts, seq, addresses.indexOf(window.from), window.measureFromNanos);
			}
		}
		return analysis;
	}

	private static Disruption find(List<Disruption> disruptions, long nanos) {
		int low = 0;
		int high = disruptions.size() - 1;
		while (low <= high) {
			int middle = (low + high) >>> 1;
			Disruption candidate = disruptions.get(middle);
			if (nanos < candidate.startNanos) {
				high = middle - 1;
			}
			else if (nanos >= candidate.endNanos) {
				low = middle + 1;
			}
			else {
				return candidate;
			}
		}
		return null;
	}

	WindowStats of(Disruption disruption) {
		return this.windows.get(disruption);
	}

	/** @return the messages published outside every disruption window (warm-up, between phases) */
	WindowStats outside() {
		return this.outside;
	}

}
