// The two ways emu ends what a sandbox started, each tested where only it can work. Both
// grandchildren are orphans (their parent, a shell, has exited), so no walk of the process tree
// finds them: one stays in the sandbox's process group with an empty environment (no marker),
// which only the SIGKILL to the group reaches; one moved to its own session with the marker,
// which only the sweep for the marker reaches. Cold and warm, ended by a timeout or a crash.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { eventually, isAlive, MODES, withEmulator } from './helpers.js';

const ENDS = [
  { end: 'timeout', errorType: 'Sandbox.Timedout' },
  { end: 'crash', errorType: 'Runtime.ExitError' },
] as const;

/** Process group and session of a live pid, from /proc/<pid>/stat. */
function groupAndSession(pid: number): { pgrp: number; sid: number; ppid: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { ppid: Number(fields[1]), pgrp: Number(fields[2]), sid: Number(fields[3]) };
}

function hasMarker(pid: number): boolean {
  return readFileSync(`/proc/${pid}/environ`, 'latin1').includes('_EMU_SANDBOX_ID=');
}

for (const mode of MODES) {
  describe(`ending a sandbox's grandchildren (${mode})`, () => {
    for (const { end, errorType } of ENDS) {
      for (const kind of ['group', 'session'] as const) {
        const what = kind === 'group' ? 'an orphan left in its process group without the marker' : 'an orphan in its own session with the marker';
        test(`${end}: ${what} is ended`, async () => {
          let orphan = 0;
          try {
            await withEmulator({ handler: 'orphan-grandchild.handler', mode, timeoutSeconds: 2 }, async ({ emulator, output }) => {
              const pending = emulator.invoke({ kind, end });
              const reported = (): number => Number(/\{"orphan":(\d+),/.exec(output())?.[1] ?? 0);
              // Checked while the sandbox lives (a timeout leaves time for it): the orphan is where the fixture says.
              if (end === 'timeout') {
                assert.ok(await eventually(() => reported() > 0, 5000), 'the fixture reported its orphan');
                orphan = reported();
                const { ppid, pgrp, sid } = groupAndSession(orphan);
                assert.notEqual(ppid, process.pid, 'reparented away from the sandbox');
                assert.equal(hasMarker(orphan), kind === 'session', 'marker only on the escaped one');
                const sandbox = Number(/"sandbox":(\d+)\}/.exec(output())?.[1]);
                if (kind === 'group') assert.equal(pgrp, sandbox, 'still in the sandbox\'s process group');
                else assert.deepEqual([sid, pgrp], [orphan, orphan], 'a session of its own');
              }
              const result = await pending;
              assert.equal(result.error?.errorType, errorType, result.payloadJson);
              orphan ||= reported();
              assert.ok(orphan > 0, 'the fixture reported its orphan');
            });
            assert.ok(await eventually(() => !isAlive(orphan), 5000), `${kind} orphan ${orphan} outlived its sandbox`);
          } finally {
            if (orphan > 0 && isAlive(orphan)) process.kill(orphan, 'SIGKILL');
          }
        });
      }
    }
  });
}
