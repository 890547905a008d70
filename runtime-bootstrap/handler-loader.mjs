// Loads `_HANDLER` from the task root exactly in the order AWS's Node runtime
// tries: P, P.js (require, or import() under "type": "module"), P.mjs, P.cjs,
// then a package resolved from the task root and NODE_PATH. An ES module handler's imports
// search NODE_PATH too, as on AWS, through resolve hooks registered only when there is a layer.
import {
  HandlerNotFound,
  ImportModuleError,
  MalformedHandlerName,
  UserCodeSyntaxError,
  wrapAs,
} from './errors.mjs';

// Builtins through getBuiltinModule, not `import`: an ESM facade per builtin costs ~1 ms on every cold start.
const { existsSync, readFileSync, statSync } = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');
// Made on first use: an ES module handler never needs the CommonJS loader.
let cjsRequire = null;
const require = Object.assign((id) => commonJsRequire()(id), { resolve: (id, options) => commonJsRequire().resolve(id, options) });

function commonJsRequire() {
  cjsRequire ??= process.getBuiltinModule('node:module').createRequire(import.meta.url);
  return cjsRequire;
}

export async function loadHandler(appRoot, fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleRoot = path.dirname(fullHandler);
  const moduleAndHandler = path.basename(fullHandler);
  const dot = moduleAndHandler.indexOf('.');
  if (dot === -1) throw new MalformedHandlerName('Bad handler');
  const moduleName = moduleAndHandler.slice(0, dot);
  const handlerPath = moduleAndHandler.slice(dot + 1);

  const userModule = await loadUserModule(appRoot, moduleRoot, moduleName);
  const handler = handlerPath.split('.').reduce((value, key) => value?.[key], userModule);
  if (handler === undefined) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

async function loadUserModule(appRoot, moduleRoot, moduleName) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  try {
    if (statSync(base, { throwIfNoEntry: false })?.isFile()) return require(base);
    if (existsSync(`${base}.js`)) {
      return isEsmPackage(base) ? await importFile(`${base}.js`) : require(`${base}.js`);
    }
    if (existsSync(`${base}.mjs`)) return await importFile(`${base}.mjs`);
    if (existsSync(`${base}.cjs`)) return require(`${base}.cjs`);
    const resolved = require.resolve(moduleName, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] });
    return require(resolved);
  } catch (error) {
    if (error instanceof SyntaxError) throw wrapAs(UserCodeSyntaxError, error);
    // AWS provides the AWS SDK v3 (in /var/runtime/node_modules) to CommonJS and ESM handlers alike; emu does not, so say so.
    const sdk = /^(Cannot find (?:module|package) '(@aws-sdk\/[^'/]+)[^\n]*)/.exec(error?.message);
    if (error?.code === 'MODULE_NOT_FOUND' || (sdk && error.code === 'ERR_MODULE_NOT_FOUND')) {
      if (sdk) error.message = `${sdk[1]}. AWS provides the AWS SDK for JavaScript v3 to Node.js functions, emu does not: add it locally (npm install --save-dev ${sdk[2]}) or in a --layer${error.message.slice(sdk[0].length)}`;
      throw wrapAs(ImportModuleError, error);
    }
    // ERR_REQUIRE_ESM: a .js that is ESM without "type": "module" is still loadable by import().
    if (error?.code === 'ERR_REQUIRE_ESM') return importFile(error.filename ?? `${base}.js`);
    throw error;
  }
}

async function importFile(file) {
  resolveEsmFromNodePath(process.env.NODE_PATH);
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw wrapAs(UserCodeSyntaxError, error);
    throw error;
  }
}

/**
 * AWS's Node runtimes (18 and later) search NODE_PATH for ES module imports; Node alone does not.
 * Node 20's hooks run on a thread of their own (~50 ms of CPU to start), so only an ES module
 * handler with a node_modules folder on NODE_PATH (a layer's) pays: emu's own entries have none.
 */
let esmNodePathResolving = false;
function resolveEsmFromNodePath(nodePath) {
  if (esmNodePathResolving) return;
  esmNodePathResolving = true;
  const folders = (nodePath ?? '').split(':').filter((folder) => path.basename(folder) === 'node_modules' && existsSync(folder));
  if (folders.length === 0) return;
  const { register } = process.getBuiltinModule('node:module');
  register?.('./node-path-resolve-hooks.mjs', import.meta.url, { data: { folders } });
}

/** The nearest package.json's "type", searching upward and stopping at node_modules or the root. */
function isEsmPackage(file) {
  let dir = path.dirname(file);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir || path.basename(dir) === 'node_modules') return false;
    dir = parent;
  }
}
