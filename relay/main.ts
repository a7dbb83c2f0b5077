// `npm run relay -- [options]` (docs/RELAY.md): the relay's entry. It turns Node's compile cache on
// first (compile-cache.ts: the modules it loads next are compiled once and read from the data folder
// at later starts), then loads serve.ts, which parses the command line and runs the relay.

import { startCompileCache } from './compile-cache.ts';

startCompileCache(process.argv.slice(2));
await import('./serve.ts');
