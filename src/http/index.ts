export { startServeServer, type ServeServer, type ServeServerOptions, type ServedFunction } from './serve-server.js';
export type { Route } from './router.js';
