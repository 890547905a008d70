export { readDotenvFile, parseDotenv } from './dotenv-file.js';
export { readEnvVarsFile, parseEnvVars, type EnvVarsFile } from './env-vars-file.js';
export { resolveFunctionEnvironment, sizeWarning, ENV_LIMIT_BYTES, type EnvironmentSources, type FunctionEnvironment } from './function-environment.js';
export { checkLayerFolders, MAX_LAYERS, type CheckedLayers } from './layers.js';
