// Module resolve hooks (module.register), loaded on Node's hooks thread only for a function whose
// NODE_PATH holds node_modules folders that exist, i.e. its layers. AWS's Node runtimes from 18 on
// search NODE_PATH when an ES module's import finds nothing by the usual node_modules walk; plain
// Node ignores NODE_PATH for ES modules. So: Node's own resolution first (the function's own
// node_modules win), then each NODE_PATH folder in order, and Node's first error if none has it.
const { existsSync } = process.getBuiltinModule('node:fs');
const path = process.getBuiltinModule('node:path');
const { pathToFileURL } = process.getBuiltinModule('node:url');

/** NODE_PATH's node_modules folders, in NODE_PATH's order. */
let folders = [];

export function initialize(data) {
  folders = data?.folders ?? [];
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !isBareSpecifier(specifier)) throw error;
    const found = await resolveFromFolders(specifier, context, nextResolve);
    if (found === undefined) throw error;
    return found;
  }
}

async function resolveFromFolders(specifier, context, nextResolve) {
  const name = packageName(specifier);
  for (const folder of folders) {
    if (!existsSync(path.join(folder, name))) continue;
    // Resolved as if imported from a file beside the folder: Node's walk looks in the folder
    // first, and the package's "exports" and "main" apply as for any other import.
    const parentURL = pathToFileURL(path.join(path.dirname(folder), 'node-path-import.mjs')).href;
    try {
      return await nextResolve(specifier, { ...context, parentURL });
    } catch {
      // This folder's copy does not resolve: as require() does with NODE_PATH, try the next.
    }
  }
  return undefined;
}

/** A package name, not a relative or absolute path, a URL (node:, file:, data:) or a "#" import. */
function isBareSpecifier(specifier) {
  return !/^[./#]/.test(specifier) && !/^[a-zA-Z][a-zA-Z\d+.-]*:/.test(specifier);
}

/** 'pkg/sub' → 'pkg', '@scope/pkg/sub' → '@scope/pkg'. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
