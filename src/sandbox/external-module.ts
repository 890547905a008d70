/**
 * import() for a package the CLI bundle leaves out (execa: ESM only, and with what it imports
 * 230 KB of the bundle's source, which every `emu` start would read and compile, for the portable
 * process starter and `emu runtime install` alone). The bundle runs as a vm.Script compiled from
 * a code cache, where Node 20 loses the dynamic-import callback (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING),
 * so bin/emu.js hands the bundle an import() of its own; compiled by tsc, the module imports itself.
 */
declare const __emuImport: ((specifier: string) => Promise<unknown>) | undefined;

export function importExternal<T>(specifier: string): Promise<T> {
  return (typeof __emuImport === 'function' ? __emuImport(specifier) : import(specifier)) as Promise<T>;
}
