// node-redis as the benchmark's peer: one sharded subscription on the measured channel, in the same run and on the
// same cluster as the starter. Counts each sequence number it receives; on "dump" (standard input) writes the
// counts (one byte per sequence number) to the file and exits.
// Arguments: nodes (host:port,...), channel, capacity, counts file.
import { createCluster } from 'redis';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [nodes, channel, capacityText, file] = process.argv.slice(2);
const capacity = Number(capacityText);
const counts = new Uint8Array(capacity);
let rejected = 0;
let errors = 0;

const cluster = createCluster({ rootNodes: nodes.split(',').map((node) => ({ url: `redis://${node}` })) });
cluster.on('error', () => { errors++; });
await cluster.connect();
await cluster.sSubscribe(channel, (message) => {
  const seq = Number(message);
  if (Number.isInteger(seq) && seq >= 0 && seq < capacity) {
    if (counts[seq] < 255) counts[seq]++;
  }
  else {
    rejected++;
  }
});
console.log(`SUBSCRIBED ${channel} (node-redis ${process.versions.node ? 'on node ' + process.versions.node : ''})`);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'dump') {
    writeFileSync(file, counts);
    console.log(`DUMPED rejected=${rejected} errors=${errors}`);
    process.exit(0);
  }
});
