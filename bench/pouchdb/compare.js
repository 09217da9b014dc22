// PouchDB 9 with express-pouchdb on 127.0.0.1, the fastest peer of the comparison in issue 25:
// the same records as Fieldcase's bench (a JSON array written by
// `RECORDS_OUT=FILE cargo bench -p fieldcase-hub --bench sync`), a first sync up from a phone's
// database that holds them to an empty server, then down to a new phone's empty database.
// Prints one table row per direction: time, HTTP requests and bytes on the wire (headers
// included, counted on the server's sockets). Usage: node compare.js RECORDS.json
'use strict';
const http = require('http');
const fs = require('fs');
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-adapter-http'))
  .plugin(require('pouchdb-mapreduce'))
  .plugin(require('pouchdb-replication'));

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node compare.js RECORDS.json');
  const records = JSON.parse(fs.readFileSync(file, 'utf8'));
  const Server = PouchDB.defaults({ adapter: 'memory' });
  const app = require('express-pouchdb')(Server, { mode: 'minimumForPouchDB', logPath: '/dev/null' });
  let bytes = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    app(req, res);
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => {
      bytes += s.bytesRead + s.bytesWritten;
      sockets.delete(s);
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}/township`;
  const counted = () => {
    let open = 0;
    for (const s of sockets) open += s.bytesRead + s.bytesWritten;
    return bytes + open;
  };

  const phone = new PouchDB('phone', { adapter: 'memory' });
  await phone.bulkDocs(records.map((r) => Object.assign({ _id: String(r.id) }, r)));
  const rows = [];
  for (const [what, from, to] of [
    ['first sync up (phone to hub)', phone, url],
    ['first sync down (hub to a new phone)', url, new PouchDB('newcomer', { adapter: 'memory' })],
  ]) {
    const b0 = counted();
    const r0 = requests;
    const t = process.hrtime.bigint();
    const result = await PouchDB.replicate(from, to, { batch_size: 100 });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (result.docs_written !== records.length) {
      throw new Error(`${what}: ${result.docs_written} of ${records.length} documents written`);
    }
    rows.push(`| PouchDB, ${what} | ${records.length} | ${(ms / 1000).toFixed(2)} s | ${requests - r0} | ${((counted() - b0) / 1e6).toFixed(2)} MB |`);
  }
  console.log('| session | records | time | requests | bytes |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  for (const s of sockets) s.destroy();
  server.close();
}

main().catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
