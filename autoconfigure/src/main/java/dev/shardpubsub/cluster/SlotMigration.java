package dev.shardpubsub.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A slot being migrated between two masters: {@code CLUSTER SETSLOT <slot> IMPORTING} on the target and
 * {@code MIGRATING} on the source, as {@code redis-cli --cluster reshard} does while it moves the slot's keys.
 *
 * @param slot the slot
 * @param source the master that owns it until the hand-over, or {@code null} if unknown
 * @param target the master importing it, or {@code null} if unknown
 */
public record SlotMigration(int slot, @Nullable NodeAddress source, @Nullable NodeAddress target) {

	/**
	 * The migrations one node reports about itself: the {@code [slot->-id]} (migrating) and {@code [slot-<-id]}
	 * (importing) entries of the {@code myself} line of its {@code CLUSTER NODES} answer.
	 * @param clusterNodes the node's {@code CLUSTER NODES} answer
	 * @param addressesById the cluster's node addresses by node id
	 * @return the migrations, empty if there are none
	 */
	public static List<SlotMigration> parseMyself(String clusterNodes, Map<String, NodeAddress> addressesById) {
		List<SlotMigration> migrations = new ArrayList<>();
		for (String line : clusterNodes.split("\n")) {
			String[] fields = line.trim().split(" ");
			if (fields.length < 9 || !(',' + fields[2] + ',').contains(",myself,")) {
				continue;
			}
			NodeAddress myself = addressesById.get(fields[0]);
			for (int i = 8; i < fields.length; i++) {
				SlotMigration migration = parseEntry(fields[i], myself, addressesById);
				if (migration != null) {
					migrations.add(migration);
				}
			}
		}
		return migrations;
	}

	private static @Nullable SlotMigration parseEntry(String entry, @Nullable NodeAddress myself,
			Map<String, NodeAddress> byId) {
		if (!entry.startsWith("[") || !entry.endsWith("]")) {
			return null;
		}
		String body = entry.substring(1, entry.length() - 1);
		int migrating = body.indexOf("->-");
		int importing = body.indexOf("-<-");
		try {
			if (migrating > 0) {
				return new SlotMigration(Integer.parseInt(body.substring(0, migrating)), myself,
						byId.get(body.substring(migrating + 3)));
			}
			if (importing > 0) {
				return new SlotMigration(Integer.parseInt(body.substring(0, importing)),
						byId.get(body.substring(importing + 3)), myself);
			}
		}
		catch (NumberFormatException ex) {
			// Not a slot entry this version of the format knows: ignored.
		}
		return null;
	}

}
