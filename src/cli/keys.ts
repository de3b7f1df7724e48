import type { Config } from '../config.ts';
import { commandLine } from '../domain/actor.ts';
import { keyRotation, openStorage, runInServer } from '../main.ts';
import type { KeyStatus, RotationProgress, RotationResult } from '../services/key-rotation.ts';

/** One line per step of a rotation, as it goes (or, from a running server, once it is done). */
function describe(progress: RotationProgress): string | undefined {
  switch (progress.step) {
    case 'key_added':
      return `Added data key ${progress.keyId} to the key file: it encrypts every new value from now on. Key ${progress.oldKeyIds.join(', ')} is still read until the rotation finishes.`;
    case 'resumed':
      return `Continuing the rotation to data key ${progress.keyId} begun earlier (key ${progress.oldKeyIds.join(', ')} still to be re-encrypted).`;
    case 'waiting':
      return `Waiting ${Math.ceil(progress.ms / 1000)} s for running servers to take the new key…`;
    case 'batch':
      return undefined;
    case 'pass':
      return progress.found
        ? `Pass ${progress.pass}: ${progress.found} value(s) under an old key re-encrypted; checking again…`
        : `Pass ${progress.pass}: nothing left under an old key.`;
    case 'retired':
      return (
        `Removed data key ${progress.oldKeyIds.join(', ')} from the key file.\n` +
        `WARNING: the key file as it was is kept at ${progress.retiredFile}. It is the only key to the encrypted fields of ` +
        `every backup taken before this rotation: move it to where those backups are kept (not beside the server), ` +
        `and delete it when they are deleted.`
      );
  }
}

function summary(result: RotationResult): string {
  const total = Object.values(result.reencrypted).reduce((a, b) => a + b, 0);
  const byColumn = Object.entries(result.reencrypted)
    .filter(([, n]) => n > 0)
    .map(([column, n]) => `${column} ${n}`)
    .join(', ');
  return `Rotation done: ${total} value(s) re-encrypted under data key ${result.keyId}${byColumn ? ` (${byColumn})` : ''} in ${result.passes} pass(es).\n`;
}

function statusText(status: KeyStatus, keyFile: string): string {
  const older = status.keyIds.filter((id) => id !== status.currentKeyId);
  const byKey = new Map<number, { total: number; columns: string[] }>();
  for (const count of status.counts) {
    const entry = byKey.get(count.keyId) ?? { total: 0, columns: [] };
    entry.total += count.values;
    entry.columns.push(`${count.column} ${count.values}`);
    byKey.set(count.keyId, entry);
  }
  const lines = [
    `Key file ${keyFile}: data key ${status.currentKeyId} encrypts.` +
      (older.length ? ` Key ${older.join(', ')} is still read: a rotation is unfinished (run "hifazat key rotate" to finish it).` : ''),
    'Encrypted values by key:',
    ...[...new Set([...status.keyIds, ...byKey.keys()])]
      .sort((a, b) => a - b)
      .map((id) => {
        const entry = byKey.get(id);
        const note = status.keyIds.includes(id) ? '' : ' (NOT in the key file: unreadable)';
        return `  key ${id}: ${entry?.total ?? 0}${note}${entry ? ` (${entry.columns.join(', ')})` : ''}`;
      }),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `hifazat key rotate|status`. On the embedded database a running server holds the data, so the
 * command asks it to run them (the control channel); otherwise the command opens the storage
 * itself, as it does beside servers on PostgreSQL.
 */
export async function keyCommand(config: Config, args: string[]): Promise<number> {
  const [sub] = args;
  if ((sub !== 'rotate' && sub !== 'status') || args.length !== 1) {
    process.stderr.write('Usage: hifazat key rotate | hifazat key status\n');
    return 2;
  }
  const fromServer = await runInServer(config, sub === 'rotate' ? 'key-rotate' : 'key-status');
  if (fromServer) {
    const text = Buffer.from(fromServer.body).toString('utf8');
    if (sub === 'status') {
      process.stdout.write(statusText(JSON.parse(text) as KeyStatus, config.keyFile));
      return 0;
    }
    const { progress, result } = JSON.parse(text) as { progress: RotationProgress[]; result: RotationResult };
    process.stdout.write(`The running server (PID ${fromServer.pid}) rotated the data key.\n`);
    for (const line of progress.map(describe)) if (line) process.stdout.write(`${line}\n`);
    process.stdout.write(summary(result));
    return 0;
  }
  const storage = await openStorage(config);
  try {
    const rotation = keyRotation(storage, config.keyFile);
    if (sub === 'status') {
      process.stdout.write(statusText(await rotation.status(), config.keyFile));
      return 0;
    }
    const result = await rotation.rotate(commandLine, (progress) => {
      const line = describe(progress);
      if (line) process.stdout.write(`${line}\n`);
    });
    process.stdout.write(summary(result));
    return 0;
  } finally {
    await storage.close();
  }
}
