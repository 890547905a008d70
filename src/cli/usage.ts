/** Help texts; kept beside the parser so a new flag and its help change together. */
export const MAIN_USAGE = `emu: a local AWS Lambda emulator for Node.js handlers

Usage:
  emu run <handler> [event.json | -] [options]   invoke a handler once (or a stream with --stream)
  emu run <LogicalId> [event.json | -] [options] the same, the function from ./template.yaml
  emu event <source> <kind> [options]             print a realistic AWS event (emu event list)
  emu serve [<handler> | --template FILE]         local API Gateway + Lambda Invoke API (emu serve --help)
  emu bench <handler | LogicalId> [events] [opts] cold/warm benchmarks and memory gates for CI
  emu runtime install nodejs22.x | list           a Node.js for a function's Runtime (emu runtime --help)
  emu --help | --version

Run 'emu run --help' for the options of run.
`;

export const RUN_USAGE = `Usage: emu run <handler> [event.json | -] [options]
       emu run <LogicalId> [event.json | -] [--template FILE] [options]

  <handler>              AWS handler string relative to --code-dir, e.g. index.handler
                         or examples/hello/index.handler
  <LogicalId>            a function of the SAM template: its Handler, CodeUri, Timeout,
                         MemorySize, Environment, Layers, LoggingConfig and Globals, as sam local invoke;
                         the flags below still override them
  [event.json | -]       the event: a JSON file, - for stdin; default {}

Options:
      --template FILE    the SAM template of <LogicalId> (default: ./template.yaml or
                         ./template.yml); given, the first argument must be a logical id
      --parameter-overrides K=V ...  template parameter values
      --cold             a fresh sandbox for every invocation
      --warm             reuse sandboxes, as AWS does (default)
  -t, --timeout SEC      function timeout, 1-900 seconds (default 3)
  -m, --memory MB        memory size, 128-10240 MB (default 128); peak RSS past it fails
                         the invocation with Runtime.OutOfMemory
      --code-dir DIR     the function's root, LAMBDA_TASK_ROOT (default: current folder)
      --env KEY=VALUE    a function environment variable (repeatable)
      --region REGION    AWS region (default us-east-1)
      --function-name N  function name (default: the handler's module name)
      --env-vars FILE    SAM's {"Function": {...}, "Parameters": {...}} or a flat {"KEY": "value"}
      --env-file FILE    a dotenv file (repeatable); precedence: template < Parameters <
                         the function's block < env files < --env
      --layer DIR        a layer folder (nodejs/node_modules, nodejs/nodeNN/node_modules),
                         on the module path in AWS's order (repeatable)
      --runtime ID       nodejs18.x ... nodejs24.x (runs on a Node.js of that major, found
                         on this machine or installed by emu runtime install),
                         python3.9 ... python3.13 (a python3.X on PATH or pyenv's), or
                         provided.al2023 / provided.al2 (runs the bootstrap executable)
      --node PATH        the Node.js to run a nodejs runtime with
      --python PATH      the Python to run a python3.X runtime with (a virtual
                         environment's bin/python: its packages are importable)
      --log-format F     json or text: the function's LoggingConfig LogFormat (overrides the
                         template's); json sets AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL and
                         makes -v's START / END / REPORT Lambda's platform.* JSON records
      --log-level LEVEL  ApplicationLogLevel: TRACE, DEBUG, INFO, WARN, ERROR, FATAL (JSON only)
      --system-log-level LEVEL  SystemLogLevel: DEBUG, INFO, WARN; which platform records
                         -v prints in JSON format (WARN: only failures)
  -r, --role ARN         assume the execution role (STS) and give the sandbox its credentials
      --profile NAME     the AWS profile for your own credentials
      --no-credentials   give the sandbox no credentials (default: your own, as sam local does)
      --context FILE     JSON overriding context fields: functionName, functionVersion,
                         invokedFunctionArn, memoryLimitInMB, awsRequestId,
                         clientContext, identity
      --inspect[=PORT]   attach a debugger to the sandbox (default port 9229)
      --inspect-brk[=PORT]  same, paused before the handler loads
  -v, --verbose          Lambda's START / END / REPORT lines on stderr
      --json             print one JSON record (payload and metrics) instead of the payload
      --stream           the input is NDJSON, one event per line: one output line per event,
                         in order, and a summary on stderr (see the README)
  -c, --concurrency N    with --stream: sandboxes running at once (default 1)
      --summary FILE     with --stream: also write the summary as JSON
      --remote           with --stream: send every event to a deployed function <name | ARN>
                         through the Lambda Invoke API (an ARN alone implies it); region and
                         credentials from the AWS chain, --region, --profile (docs/remote-invoke.md)
      --endpoint-url URL with --remote: any Invoke API (another emu serve, LocalStack)
      --remote-timeout SEC  with --remote: the client's limit per attempt (default 960)
      --dry-run          with --remote: say what would be sent (count, concurrency, target), send nothing
  -h, --help             this help

Exit codes: 0 success, 1 function error (the AWS error payload is still printed),
2 usage error, 3 internal error, 130 interrupted.
`;
