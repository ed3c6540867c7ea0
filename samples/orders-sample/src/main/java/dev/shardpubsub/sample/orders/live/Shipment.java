package dev.shardpubsub.sample.orders.live;

/**
 * A shipment, sent as JSON.
 *
 * @param id sequence number on its channel
 * @param carrier the carrier
 */
public record Shipment(long id, String carrier) {
}
