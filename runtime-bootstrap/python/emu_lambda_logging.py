"""Lambda's log formats for emu's Python runtime, as AWS's runtime interface client writes them
to stdout when it has no telemetry fd (StandardLogSink): text lines for print and logging,
`[ERROR]` records for unhandled errors, and one JSON object a record under
AWS_LAMBDA_LOG_FORMAT=JSON. Kept apart from emu_runtime.py so that file stays the runtime loop.

AWS's runtime configures the root logger before it imports the handler. Importing logging costs
a no-op cold start a quarter of its time, so emu configures it the moment anything imports it
(set_up_on_import): a function sees the same root logger, and pays only if it logs."""

import os
import sys
import time

JSON_LOGS = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
LOG_LEVEL = {"TRACE": "DEBUG"}.get(os.environ.get("AWS_LAMBDA_LOG_LEVEL", ""), os.environ.get("AWS_LAMBDA_LOG_LEVEL", "")).upper()

# Stamped on every record by RequestIdFilter: the invocation in flight ("" during init).
request_id = None
tenant_id = None


def log_error(payload, to_json):
    if JSON_LOGS:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        sys.stdout.write(to_json(dict({"timestamp": stamp, "log_level": "ERROR"}, **payload)) + "\n")
        return
    description = "[ERROR]"
    if payload["errorType"]:
        description += " " + payload["errorType"]
    if payload["errorMessage"]:
        description += (":" if payload["errorType"] else "") + " " + payload["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in payload["stackTrace"]:
        lines += [""] if element == "" else [nbsp_indent(line) for line in element.splitlines()]
    # One record per error: CR, not LF, between its lines (RIC's StandardLogSink).
    sys.stdout.write("\r".join(lines) + "\n")


def nbsp_indent(line):
    stripped = line.lstrip(" ")
    return "\u00a0" * (len(line) - len(stripped)) + stripped


# Attributes of every LogRecord: anything else on a record (logging's `extra`) joins the JSON line.
RESERVED = {"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName", "processName", "process", "aws_request_id", "tenant_id", "_frame_type"}


def set_up_on_import():
    if "logging" in sys.modules:
        setup_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, LoggingImportHook())


class LoggingImportHook(object):
    """A meta path finder for the one module `logging`: found as usual, set up once executed."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            spec = find_spec(name, path, target) if find_spec is not None else None
            if spec is not None and spec.loader is not None:
                break
        else:
            return None
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            setup_logging(module)

        spec.loader.exec_module = exec_module
        return spec


def setup_logging(logging):
    import json
    import traceback

    class JsonFormatter(logging.Formatter):
        def format(self, record):
            record.levelno = min(50, max(0, record.levelno)) // 10 * 10
            record.levelname = logging.getLevelName(record.levelno)
            exc = record.exc_info
            line = {
                "timestamp": self.formatTime(record, self.datefmt),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "stackTrace": traceback.format_tb(exc[2]) if exc else None,
                "errorType": exc[0].__name__ if exc else None,
                "errorMessage": str(exc[1]) if exc else None,
                "requestId": getattr(record, "aws_request_id", None),
                "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno) if exc else None,
            }
            if getattr(record, "tenant_id", None) is not None:
                line["tenantId"] = record.tenant_id
            line.update((k, v) for k, v in record.__dict__.items() if k not in RESERVED and k not in line)
            return json.dumps({k: v for k, v in line.items() if v is not None}, ensure_ascii=False) + "\n"

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = request_id or ""
            record.tenant_id = tenant_id
            return True

    class StdoutHandler(logging.Handler):
        def emit(self, record):
            sys.stdout.write(self.format(record))

    logging.Formatter.converter = time.gmtime
    handler = StdoutHandler()
    if JSON_LOGS:
        handler.setFormatter(JsonFormatter(datefmt="%Y-%m-%dT%H:%M:%SZ"))
    else:
        handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    if LOG_LEVEL in logging._nameToLevel:
        root.setLevel(LOG_LEVEL)
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
