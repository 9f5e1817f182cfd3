import { startTestPostgres } from '@pkg/testkit';
import { DatabaseWrapper } from '@pkg/core';
const pg = await startTestPostgres();
const db = new DatabaseWrapper({ config: { default: 'm', sources: { m: { type: 'postgresql', url: pg.url, schema: 'perf' } } } });
let id = 0;
const save = () => db.saveChatMessage({ chatId: -100 - (id % 4), userId: 1 + (id % 20), messageId: ++id, date: '2025-01-01 00:00:00', messageText: 'x' });
try {
  await db.ready();
  for (let c = 0; c < 4; c++) for (let u = 1; u <= 20; u++) await db.updateChatUser({ chatId: -100 - c, userId: u, username: 'u', fullName: 'U' });
  for (const inflight of [1, 64, 1, 64, 8]) {
    const t0 = performance.now(); let done = 0;
    const until = t0 + 2000;
    await Promise.all(Array.from({ length: inflight }, async () => { while (performance.now() < until) { await save(); done++; } }));
    console.log(inflight, Math.round(done / ((performance.now() - t0) / 1000)), '/s');
  }
} finally { await db.close(); await pg.stop(); }
