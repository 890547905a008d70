import { createEmulator } from './src/index.js';
const emu = createEmulator({ handler: 'noop.handler', codeDir: 'test/fixtures' });
await emu.invoke({});
for (let k = 0; k < 3; k++) {
const t = performance.now(); const N = 2000;
for (let i = 0; i < N; i++) await emu.invoke({});
console.log('per invoke ms', (performance.now() - t) / N);
}
await emu.close();
