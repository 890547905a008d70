// Empty on purpose: imported once before an ES module handler (handler-loader.cjs), so that Node's
// ES module loader is made while the runtime loads its own modules, from Node's code cache.
