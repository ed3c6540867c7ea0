package dev.shardpubsub.autoconfigure;

import dev.shardpubsub.annotation.ShardListener;

/**
 * A listener of channel {@code orders} with id {@code orders} that counts its messages and fails on {@code boom}.
 */
class CountingOrderListener {

	volatile int count;

	@ShardListener(id = "orders", channels = "orders")
	void on(String payload) {
		this.count++;
		if (payload.equals("boom")) {
			throw new IllegalStateException("boom");
		}
	}

}
