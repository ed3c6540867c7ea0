package dev.shardpubsub.sample.orders.live;

/**
 * A payment, sent as JSON.
 *
 * @param id sequence number on its channel
 * @param order the order it pays
 * @param cents the amount
 */
public record Payment(long id, String order, long cents) {
}
