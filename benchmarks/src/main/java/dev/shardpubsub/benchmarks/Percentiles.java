package dev.shardpubsub.benchmarks;

import java.util.Arrays;
import java.util.Collection;

/**
 * Nearest-rank percentiles of a sample.
 */
final class Percentiles {

	private final long[] sorted;

	private Percentiles(long[] sorted) {
		this.sorted = sorted;
	}

	static Percentiles of(Collection<Long> values) {
		long[] sorted = values.stream().mapToLong(Long::longValue).toArray();
		Arrays.sort(sorted);
		return new Percentiles(sorted);
	}

	int count() {
		return this.sorted.length;
	}

	/**
	 * @param percentile 0 to 100
	 * @return the nearest-rank percentile, or -1 for an empty sample
	 */
	long at(double percentile) {
		if (this.sorted.length == 0) {
			return -1;
		}
		int rank = (int) Math.ceil(percentile / 100.0 * this.sorted.length);
		return this.sorted[Math.min(Math.max(rank, 1), this.sorted.length) - 1];
	}

	long max() {
		return (this.sorted.length == 0) ? -1 : this.sorted[this.sorted.length - 1];
	}

	double mean() {
		return Arrays.stream(this.sorted).average().orElse(Double.NaN);
	}

}
